import { StoreUnavailableError } from '../../errors.js';

/** Any Redis failure (down, timeout, closed) surfaces to the domain as one typed error. */
export async function storeCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw new StoreUnavailableError(err);
  }
}
