import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '../errors.js';
import type { PresenceTotals } from '../store/presence-store.js';
import type { StoreState } from '../store/store-health.js';
import type { Metrics, ResumeOutcomeKind } from './metrics.js';

/** Read on every scrape rather than kept in step with each event, so the gauges cannot drift. */
export interface GaugeSources {
  connections(): number;
  totals(): Promise<PresenceTotals>;
  storeState(): StoreState;
}

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LAG_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Prometheus metrics in a registry of their own (not prom-client's global one), so several servers
 * in one process (tests) never collide. Labels are codes and operation names, never room tokens.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private sources: GaugeSources | null = null;
  private readonly sent: Counter<'type'>;
  private readonly expired: Counter;
  private readonly refused: Counter<'event' | 'code'>;
  private readonly expiryLag: Histogram;
  private readonly imagesStored: Counter;
  private readonly imageBytes: Counter;
  private readonly storeSeconds: Histogram<'operation' | 'outcome'>;
  private readonly limited: Counter<'limit'>;
  private readonly resumes: Counter<'outcome'>;
  /** This process's resumes by outcome, for /api/health. */
  readonly resumeCounts: Record<ResumeOutcomeKind, number> = { recovered: 0, gap: 0, refused: 0 };

  constructor() {
    const registers = [this.registry];
    // Process CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_seconds and percentiles).
    collectDefaultMetrics({ register: this.registry });
    this.sent = new Counter({
      name: 'ghostchat_messages_sent_total',
      help: 'Messages stored and broadcast, by type',
      labelNames: ['type'],
      registers,
    });
    this.resumes = new Counter({
      name: 'ghostchat_resumes_total',
      help: 'Dropped connections resumed: recovered (every room caught up), gap (a room reported unfilled), refused',
      labelNames: ['outcome'],
      registers,
    });
    this.expired = new Counter({
      name: 'ghostchat_messages_expired_total',
      help: 'Messages that expired and were announced by this node',
      registers,
    });
    this.refused = new Counter({
      name: 'ghostchat_socket_events_refused_total',
      help: 'Socket events refused, by event and error code (messages refused: event=~"send-.*")',
      labelNames: ['event', 'code'],
      registers,
    });
    this.expiryLag = new Histogram({
      name: 'ghostchat_expiry_lag_seconds',
      help: 'How long after its deadline a message was expired and announced',
      buckets: LAG_SECONDS,
      registers,
    });
    this.imagesStored = new Counter({
      name: 'ghostchat_images_stored_total',
      help: 'Images stored',
      registers,
    });
    this.imageBytes = new Counter({
      name: 'ghostchat_image_bytes_stored_total',
      help: 'Bytes of images stored',
      registers,
    });
    this.storeSeconds = new Histogram({
      name: 'ghostchat_store_operation_duration_seconds',
      help: 'Latency of store operations, by operation and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: SECONDS,
      registers,
    });
    this.limited = new Counter({
      name: 'ghostchat_limit_refusals_total',
      help: 'Clients held to a limit, by limit (refused events, handshakes and requests, flood disconnects)',
      labelNames: ['limit'],
      registers,
    });
    this.defineGauges(registers);
  }

  /**
   * The media store's bytes, read on each scrape: what Redis or the directory holds, the same for
   * every process that shares it (so a node's workers are not summed).
   */
  watchMedia(usage: () => Promise<{ bytes: number }>): void {
    new Gauge({
      name: 'ghostchat_media_stored_bytes',
      help: 'Sealed image bytes in the media store (all nodes sharing it)',
      registers: [this.registry],
      aggregator: 'first',
      async collect() {
        // Store down: keep the last value; ghostchat_store_up says why it is stale.
        const used = await usage().catch(() => null);
        if (used) this.set(used.bytes);
      },
    });
  }

  /** Connects the scrape-time gauges to their sources; until then they read 0. */
  collectFrom(sources: GaugeSources): void {
    this.sources = sources;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  messageStored(type: 'text' | 'image'): void {
    this.sent.inc({ type });
  }

  messageExpired(lagMs: number): void {
    this.expired.inc();
    this.expiryLag.observe(Math.max(0, lagMs) / 1000);
  }

  eventRefused(event: string, code: ErrorCode): void {
    this.refused.inc({ event, code });
  }

  imageStored(bytes: number): void {
    this.imagesStored.inc();
    this.imageBytes.inc(bytes);
  }

  limitRefused(limit: string): void {
    this.limited.inc({ limit });
  }

  resumed(outcome: ResumeOutcomeKind): void {
    this.resumes.inc({ outcome });
    this.resumeCounts[outcome]++;
  }

  storeObserver(operation: string): (seconds: number, ok: boolean) => void {
    // Label children bound once: resolving labels on every observation costs more than observing.
    const ok = this.storeSeconds.labels({ operation, outcome: 'ok' });
    const error = this.storeSeconds.labels({ operation, outcome: 'error' });
    return (seconds, succeeded) => (succeeded ? ok : error).observe(seconds);
  }

  private defineGauges(registers: Registry[]): void {
    // prom-client calls collect() with the metric as `this`, hence a getter rather than `this.sources`.
    const sources = () => this.sources;
    new Gauge({
      name: 'ghostchat_connections',
      help: 'Socket.io connections open on this node (all its workers)',
      registers,
      collect() {
        this.set(sources()?.connections() ?? 0);
      },
    });
    new Gauge({
      name: 'ghostchat_store_up',
      help: '1 when the store is connected (always 1 for the in-memory store)',
      registers,
      // A cluster's workers each have their own connection: the store is up when it is up for all.
      aggregator: 'min',
      collect() {
        this.set(sources()?.storeState() === 'disconnected' ? 0 : 1);
      },
    });
    // One read of the totals per scrape feeds both gauges.
    let pending: Promise<PresenceTotals | null> | null = null;
    const totals = () => {
      pending ??= (sources()?.totals() ?? Promise.resolve(null))
        .catch(() => null)
        .finally(() => setImmediate(() => (pending = null)));
      return pending;
    };
    new Gauge({
      name: 'ghostchat_rooms',
      help: 'Rooms with at least one participant (all nodes sharing the store)',
      registers,
      // Every worker of a cluster reads the same shared total: summing them would count it again.
      aggregator: 'first',
      async collect() {
        const t = await totals();
        // Store down: keep the last value; ghostchat_store_up says why it is stale.
        if (t) this.set(t.activeRooms);
      },
    });
    new Gauge({
      name: 'ghostchat_participants',
      help: 'Participants across all rooms (all nodes sharing the store)',
      registers,
      aggregator: 'first',
      async collect() {
        const t = await totals();
        if (t) this.set(t.totalParticipants);
      },
    });
  }
}
