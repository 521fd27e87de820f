import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
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
  if (config.workers > 1) {
    const { runWorker } = await import('./cluster/worker.js');
    return runWorker(config, log);
  }
  const { createGhostChat } = await import('./server.js');
  const server = createGhostChat(config, { log });
  await server.listen(config.port, config.host);
  closeOnSignals(() => server.close(), { timeoutMs: config.shutdownTimeoutMs, log });
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
