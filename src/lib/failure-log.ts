import type { Logger } from 'pino';
import type { TaskReporter } from './periodic-task.js';

export interface FailureLogOptions {
  /** Names the lines: `<event>-failed` while it fails, `<event>-recovered` when it works again. */
  event: string;
  /** What failed, in words: "message expiry pass". */
  what: string;
  /** While the failures go on, one reminder this often. */
  remindEveryMs: number;
  now?: () => number;
}

/**
 * Logs a background task's outage, not each of its failures: one warning when the failures start,
 * a reminder now and then while they last, and one line when the task works again. A store that
 * is down for a minute would otherwise write hundreds of identical warnings.
 */
export function failureLog(log: Logger, options: FailureLogOptions): TaskReporter {
  const now = options.now ?? (() => performance.now());
  let since = 0;
  let remindedAt = 0;
  return {
    failed(err, streak) {
      const at = now();
      if (streak === 1) {
        since = remindedAt = at;
        log.warn(
          { event: `${options.event}-failed`, err: err.message },
          `${options.what} failed; retrying with back-off`,
        );
      } else if (at - remindedAt >= options.remindEveryMs) {
        remindedAt = at;
        log.warn(
          { event: `${options.event}-failed`, err: err.message, failures: streak, forMs: Math.round(at - since) },
          `${options.what} still failing`,
        );
      }
    },
    recovered(streak) {
      log.info(
        { event: `${options.event}-recovered`, failures: streak, afterMs: Math.round(now() - since) },
        `${options.what} works again`,
      );
    },
  };
}
