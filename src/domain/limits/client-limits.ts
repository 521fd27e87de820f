import type { ClientLimits } from '../../config.js';
import {
  ADDRESS_KEY_PERIOD_MS,
  ADDRESS_SALT_RETRY_MS,
  SOCKET_FLOOD_WINDOW_MS,
  USAGE_BUCKET_MS,
  USAGE_SYNC_MS,
} from '../../defaults.js';
import { ClientAddresses } from '../../lib/client-address.js';
import type { Clock } from '../../lib/clock.js';
import { PeriodicTask, type TaskReporter } from '../../lib/periodic-task.js';
import type { LimitStore } from '../../store/limit-store.js';
import { AddressConnections } from './address-connections.js';
import { AddressHasher } from './address-hasher.js';
import { AddressLimits } from './address-limits.js';
import { ImageBudget } from './image-budget.js';
import { SocketLimiter, socketRates } from './socket-limiter.js';
import { StorageGauge } from './storage-gauge.js';

/** Every client limit of a node, built from Config; the transports and services each take their part. */
export interface ClientLimitParts {
  /** Who a request or handshake is from (TRUSTED_PROXIES decides whether X-Forwarded-For counts). */
  clientAddresses: ClientAddresses;
  hasher: AddressHasher;
  connections: AddressConnections;
  addresses: AddressLimits;
  messageBytes: StorageGauge;
  images: ImageBudget;
  /** The limits of one new socket. */
  socketLimiter(): SocketLimiter;
  /** Sends this node's byte totals to the store and reads everyone's back, every USAGE_SYNC_MS. */
  start(): void;
  /** Stops the sync after a last one, so what this node stored is counted after it is gone. */
  stop(): Promise<void>;
  /** Resumes the sync at once (the store is back). */
  wake(): void;
}

export function buildClientLimits(
  limits: ClientLimits,
  maxUploadBytesTotal: number,
  store: LimitStore,
  clock: Clock,
  reporter: TaskReporter,
  maxBackoffMs: number,
): ClientLimitParts {
  const gauge = (name: string, limit: number) =>
    new StorageGauge(store, clock, { name, limit, bucketMs: USAGE_BUCKET_MS });
  const messageBytes = gauge('total-message-bytes', limits.maxStoredMessageBytes);
  const imageBytes = gauge('total-image-bytes', maxUploadBytesTotal);
  const sync = () => Promise.all([messageBytes.sync(), imageBytes.sync()]);
  const task = new PeriodicTask(sync, USAGE_SYNC_MS, reporter, { maxBackoffMs });
  const rates = socketRates(limits.socket, SOCKET_FLOOD_WINDOW_MS);
  return {
    clientAddresses: new ClientAddresses(limits.trustedProxies),
    hasher: new AddressHasher(store, clock, ADDRESS_KEY_PERIOD_MS, ADDRESS_SALT_RETRY_MS),
    connections: new AddressConnections(limits, clock),
    addresses: new AddressLimits(store, clock, limits.address),
    messageBytes,
    images: new ImageBudget(store, imageBytes, clock, limits.address, USAGE_BUCKET_MS),
    socketLimiter: () => new SocketLimiter(rates, clock),
    start: () => task.start({ immediately: true }),
    stop: async () => {
      await task.stop();
      await sync().catch(() => undefined);
    },
    wake: () => task.wake(),
  };
}
