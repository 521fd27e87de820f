import type { Clock } from '../lib/clock.js';
import { PeriodicTask, type TaskReporter } from '../lib/periodic-task.js';
import type { PresenceStore } from '../store/presence-store.js';
import type { DomainEvents } from './domain-events.js';

export interface PresenceKeeperOptions {
  heartbeatMs: number;
  /** The longest wait between heartbeats while the store fails. */
  maxBackoffMs: number;
  /**
   * After the store comes back, how long this node waits before taking others for dead: during the
   * outage nobody could beat, and every node needs a beat of its own before its silence means death.
   */
  reapGraceMs: number;
}

/**
 * Keeps this node's presence alive in a shared store and takes the participants of nodes that
 * died out of their rooms, announcing `participantLeft` for each.
 */
export class PresenceKeeper {
  private readonly task: PeriodicTask;
  /** No node is taken for dead before this time (set after an outage of the store). */
  private reapFrom = 0;
  private storeFailed = false;

  constructor(
    private readonly presence: PresenceStore,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly options: PresenceKeeperOptions,
    reporter: TaskReporter,
  ) {
    this.task = new PeriodicTask(() => this.beat(), options.heartbeatMs, reporter, {
      maxBackoffMs: options.maxBackoffMs,
    });
  }

  /** The first heartbeat goes out at once: other nodes learn this one is alive before it serves. */
  start(): void {
    this.task.start({ immediately: true });
  }

  wake(): void {
    this.task.wake();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /**
   * Takes a node known to have died (a cluster's primary saw its worker exit) out of presence now,
   * rather than once its heartbeats lapse; resolves with how many participants left.
   */
  async departNode(nodeId: string): Promise<number> {
    const departures = await this.presence.removeNode(nodeId);
    for (const departure of departures) void this.events.emit('participantLeft', departure);
    return departures.length;
  }

  private async beat(): Promise<void> {
    const now = this.clock();
    try {
      await this.presence.heartbeat(now);
    } catch (err) {
      this.storeFailed = true;
      throw err;
    }
    if (this.storeFailed) {
      this.storeFailed = false;
      this.reapFrom = now + this.options.reapGraceMs;
    }
    if (now < this.reapFrom) return;
    for (const departure of await this.presence.reapDeparted(now)) {
      void this.events.emit('participantLeft', departure);
    }
  }
}
