import { StoreUnavailableError } from '../../errors.js';

/** A store call that takes longer than this is reported as failed rather than left hanging. */
export const STORE_CALL_TIMEOUT_MS = 5_000;

/**
 * Any Redis failure (down, timeout, closed) surfaces to the domain as one typed error. The timeout
 * lives here, one timer per store call, rather than node-redis's per-command AbortSignal, which
 * cost about a tenth of the server's CPU under load (see BENCHMARKS.md).
 */
export async function storeCall<T>(operation: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('store call timed out')), STORE_CALL_TIMEOUT_MS);
  });
  try {
    return await Promise.race([operation(), timeout]);
  } catch (err) {
    throw new StoreUnavailableError(err);
  } finally {
    clearTimeout(timer);
  }
}
