import { onTestFinished } from 'vitest';

/**
 * Runs `cleanup` when the current test finishes, pass or fail; cleanups run in reverse order of
 * registration, so clients close before the server they talk to, and a server before its Redis.
 * Outside a test (in a beforeAll, say) vitest has no test to attach it to: the caller cleans up.
 */
export function afterThisTest(cleanup: () => unknown): void {
  try {
    onTestFinished(async () => {
      await cleanup();
    });
  } catch {
    // not inside a test
  }
}
