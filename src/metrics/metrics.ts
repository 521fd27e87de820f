import type { ErrorCode } from '../errors.js';

export type ResumeOutcomeKind = 'recovered' | 'gap' | 'refused';

/**
 * What the server counts, as the domain and transports see it. They receive an implementation as a
 * dependency and never know it is Prometheus; tests and tools that do not care pass `noMetrics`.
 */
export interface Metrics {
  /** A message (text or image) was stored and will be broadcast. */
  messageStored(type: 'text' | 'image'): void;
  /** A message expired and was announced, `lagMs` after its deadline. */
  messageExpired(lagMs: number): void;
  /** A socket event was refused with `code` (e.g. send-message refused with NOT_A_MEMBER). */
  eventRefused(event: string, code: ErrorCode): void;
  /** An image was stored; `bytes` is its size as stored (after scrubbing and encryption). */
  imageStored(bytes: number): void;
  /**
   * A client was held to one of its limits: `limit` names which (`socket-events`, `connections`,
   * `http-lookups`, ...; a fixed set, never anything a client chose).
   */
  limitRefused(limit: string): void;
  /** A client asked to resume a dropped connection: every room caught up, a gap reported, or refused. */
  resumed(outcome: ResumeOutcomeKind): void;
  /** A recorder for one store operation, made once: each call reports `seconds` and whether it succeeded. */
  storeObserver(operation: string): (seconds: number, ok: boolean) => void;
}

export const noMetrics: Metrics = {
  messageStored() {},
  messageExpired() {},
  eventRefused() {},
  imageStored() {},
  limitRefused() {},
  resumed() {},
  storeObserver: () => () => {},
};

/** What /metrics answers: this process's registry, or a cluster's metrics gathered by its primary. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}
