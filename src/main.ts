import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { fitConnectionsToOpenFiles, openFilesLimit } from './open-files.js';
import { closeOnSignals } from './shutdown.js';

async function main(): Promise<void> {
  readEnvFile();
  const config = configOrExit();
  const log = createLogger(config);
  // Imported on demand: a cluster's primary only routes connections and never loads the server.
  // WORKERS=1 is the single process, even where something else forked it (pm2's cluster mode).
  if (config.workers > 1 && cluster.isPrimary) {
    const { runPrimary } = await import('./cluster/primary.js');
    return runPrimary(config, log, fileURLToPath(import.meta.url));
  }
  // Each worker, or the single process, holds the connections: each fits them to its own limit.
  const fitted = fitConnectionsToOpenFiles(config, openFilesLimit(), log);
  if (config.workers > 1) {
    const { runWorker } = await import('./cluster/worker.js');
    return runWorker(fitted, log);
  }
  const { createGhostChat } = await import('./server.js');
  const server = createGhostChat(fitted, { log });
  await server.listen(fitted.port, fitted.host);
  closeOnSignals(() => server.close(), { timeoutMs: fitted.shutdownTimeoutMs, log });
}

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/** `.env` in the working directory, when there is one; variables already in the environment win. */
function readEnvFile(): void {
  const { error } = loadDotenv({ quiet: true });
  if (error && (error as NodeJS.ErrnoException).code !== 'ENOENT') {
    process.stderr.write(`Invalid configuration: .env cannot be read: ${error.message}\n`);
    process.exit(78);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`GhostChat failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
