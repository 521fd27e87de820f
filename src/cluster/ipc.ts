import type { Registry } from 'prom-client';

/** One worker's metrics as prom-client's AggregatorRegistry takes them. */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * GhostChat's messages between a cluster's primary and its workers, told apart from
 * @socket.io/sticky's (`type: 'sticky:…'`) by their `ghostchat` field.
 */
export type FromWorker =
  /** Started and taking connections; `nodeId` names it in shared presence. */
  | { ghostchat: 'ready'; nodeId: string }
  /** /metrics was asked of this worker (METRICS_TOKEN on the public port): the cluster's, please. */
  | { ghostchat: 'metrics-wanted'; id: number }
  /** This worker's own metrics, as the primary asked (`id`). */
  | { ghostchat: 'metrics-snapshot'; id: number; metrics: MetricsSnapshot }
  /** Sent last before a worker exits: every message before it has gone out. */
  | { ghostchat: 'stopped' };

export type FromPrimary =
  /** A worker died: take its participants out of their rooms now. */
  | { ghostchat: 'node-gone'; nodeId: string }
  /** Send your own metrics (`metrics-snapshot`). */
  | { ghostchat: 'metrics-collect'; id: number }
  /** The cluster's metrics, as the worker asked (`id`); null when they could not be gathered. */
  | { ghostchat: 'metrics'; id: number; text: string | null };

export function isGhostChatMessage<T extends { ghostchat: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as T).ghostchat === 'string';
}
