import type { ChildProcess } from 'node:child_process';
import { spawnNode, waitUntilReady } from './node-process.js';
import { freePort } from './redis-server.js';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `src/main.ts` as a real process, as `npm start` would, and waits until it answers. */
export async function spawnServer(
  env: Record<string, string>,
  options: { waitReady?: boolean; openFiles?: number } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawnNode('src/main.ts', {
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), ...env },
    ...(options.openFiles === undefined ? {} : { openFiles: options.openFiles }),
  });
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    url,
    child: proc.child,
    output: () => proc.output(),
    exited: proc.exited,
    kill: (signal = 'SIGKILL') => proc.stop(signal),
  };
  if (options.waitReady === false) return server;
  await waitUntilReady(proc, async () => (await fetch(`${url}/api/health`)).status > 0, 20_000);
  return server;
}
