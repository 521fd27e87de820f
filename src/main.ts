import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createGhostChat } from './server.js';

async function main(): Promise<void> {
  readEnvFile();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const log = createLogger(config);
  const server = createGhostChat(config, { log });
  await server.listen(config.port, config.host);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'shutdown', signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ event: 'shutdown-timeout' }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ event: 'shutdown-failed', err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
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
