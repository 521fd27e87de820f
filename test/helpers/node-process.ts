import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Shared by the tests and the benchmark (bench/ imports it): nothing here may import vitest.

/** The repository root: entries are given relative to it. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Output kept per process; a server that logs without end must not fill the test's memory. */
const MAX_OUTPUT_CHARS = 4 * 1024 * 1024;

export interface NodeProcess {
  child: ChildProcess;
  pid: number;
  /** What the process wrote to stdout and stderr so far, as it arrived. */
  output(): string;
  /** What it wrote to stderr alone (crashes, Node warnings). */
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Sends `signal` (once) and resolves once the process has exited; SIGKILL after `killAfterMs`. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>;
}

export interface SpawnNodeOptions {
  /** The whole environment of the process: nothing of the caller's leaks in but PATH and HOME. */
  env: Record<string, string>;
  /** Node flags besides tsx's `--import tsx` (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** The process's limit on open files (soft and hard, as `ulimit -n` sets it); the caller's if unset. */
  openFiles?: number;
}

/**
 * Runs an entry as its own node process: a TypeScript one (e.g. `src/main.ts`) under tsx, as
 * `npm start` would run the build; a built one (`dist/main.js`) as plain node, as production does.
 */
export function spawnNode(entry: string, options: SpawnNodeOptions): NodeProcess {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const args = [...loader, ...(options.nodeFlags ?? []), entry];
  // Through the shell only to lower the limit first; `exec` keeps the pid the node process's.
  const [command, commandArgs] =
    options.openFiles === undefined
      ? [process.execPath, args]
      : ['/bin/sh', ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, process.execPath, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  const keep = (text: string, chunk: Buffer) => (text.length < MAX_OUTPUT_CHARS ? text + chunk.toString() : text);
  child.stdout?.on('data', (chunk: Buffer) => (output = keep(output, chunk)));
  child.stderr?.on('data', (chunk: Buffer) => {
    output = keep(output, chunk);
    stderr = keep(stderr, chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    output: () => output,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGKILL', killAfterMs) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      const killer = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.kill(signal);
      const code = await exited;
      if (killer) clearTimeout(killer);
      return code;
    },
  };
}

/** Polls `ready` until it holds; fails early if the process exits, and at `timeoutMs`. */
export async function waitUntilReady(
  proc: NodeProcess,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null)
      throw new Error(`process exited early (${proc.child.exitCode}):\n${proc.output()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`process did not become ready in ${timeoutMs} ms:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
