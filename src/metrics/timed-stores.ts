import type { Stores } from '../store/stores.js';
import type { Metrics } from './metrics.js';

/**
 * Wraps every method of a store so each call's latency and outcome is observed as
 * `<store>.<method>` (e.g. `messages.append`). A decorator rather than timing code in each store:
 * both implementations are measured the same way and neither knows about metrics.
 */
export function timed<T extends object>(name: string, store: T, metrics: Metrics): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const operation = `${name}.${property}`;
      return (...args: unknown[]) => {
        const started = process.hrtime.bigint();
        const observe = (ok: boolean) =>
          metrics.storeOperation(operation, Number(process.hrtime.bigint() - started) / 1e9, ok);
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (v: unknown) => {
            observe(true);
            return v;
          },
          (err: unknown) => {
            observe(false);
            throw err;
          },
        );
      };
    },
  });
}

/** The same stores, with messages, presence, rooms and images timed; health, ready and close untouched. */
export function timedStores<S extends Stores>(stores: S, metrics: Metrics): S {
  return {
    ...stores,
    messages: timed('messages', stores.messages, metrics),
    presence: timed('presence', stores.presence, metrics),
    rooms: timed('rooms', stores.rooms, metrics),
    images: timed('images', stores.images, metrics),
  };
}
