import type { Stores } from '../store/stores.js';
import type { Metrics } from './metrics.js';

/** Every method name of an object, own or inherited (class methods live on the prototype). */
function methodNames(object: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = object; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (object as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

/**
 * Wraps every method of a store so each call's latency and outcome is observed as
 * `<store>.<method>` (e.g. `messages.append`). A decorator rather than timing code in each store:
 * both implementations are measured the same way and neither knows about metrics. The wrappers
 * are built once, not per call: this sits on the send path of every message.
 */
export function timed<T extends object>(name: string, store: T, metrics: Metrics): T {
  const wrapped: Record<string, unknown> = Object.create(store) as Record<string, unknown>;
  for (const method of methodNames(store)) {
    const fn = (store as Record<string, (...a: unknown[]) => unknown>)[method]!;
    const observe = metrics.storeObserver(`${name}.${method}`);
    wrapped[method] = (...args: unknown[]) => {
      const started = performance.now();
      const result = fn.apply(store, args);
      if (!(result instanceof Promise)) return result;
      return result.then(
        (value: unknown) => {
          observe((performance.now() - started) / 1000, true);
          return value;
        },
        (err: unknown) => {
          observe((performance.now() - started) / 1000, false);
          throw err;
        },
      );
    };
  }
  return wrapped as T;
}

/** The same stores, with messages, presence, rooms, images, unread and limits timed; health, ready and close untouched. */
export function timedStores<S extends Stores>(stores: S, metrics: Metrics): S {
  return {
    ...stores,
    messages: timed('messages', stores.messages, metrics),
    presence: timed('presence', stores.presence, metrics),
    rooms: timed('rooms', stores.rooms, metrics),
    images: timed('images', stores.images, metrics),
    unread: timed('unread', stores.unread, metrics),
    limits: timed('limits', stores.limits, metrics),
    resumes: timed('resumes', stores.resumes, metrics),
  };
}
