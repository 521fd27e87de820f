import { StoreUnavailableError } from '../../errors.js';
import { STORE_CALL_TIMEOUT_MS } from '../../defaults.js';
import { withTimeout } from '../../lib/timeout.js';

/**
 * Any Redis failure (down, timeout, closed) surfaces to the domain as one typed error. The timeout
 * lives here, one timer per store call, rather than node-redis's per-command AbortSignal, which
 * cost about a tenth of the server's CPU under load (see BENCHMARKS.md).
 */
export async function storeCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await withTimeout(operation(), STORE_CALL_TIMEOUT_MS, 'store call timed out');
  } catch (err) {
    throw new StoreUnavailableError(err);
  }
}
