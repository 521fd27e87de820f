import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { PresenceStore } from '../store/presence-store.js';
import type { RoomEvents } from './room-events.js';

/**
 * Keeps this node's presence alive in a shared store and takes the participants of nodes that
 * died out of their rooms, announcing `participant-left` for each.
 */
export class PresenceKeeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly presence: PresenceStore,
    private readonly events: RoomEvents,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.beat().finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
    this.running = this.beat().finally(() => (this.running = null));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async beat(): Promise<void> {
    try {
      const now = this.clock();
      await this.presence.heartbeat(now);
      for (const { roomToken, agentId } of await this.presence.reapDeparted(now)) {
        this.events.participantLeft(roomToken, agentId);
      }
    } catch (err) {
      this.log.warn({ event: 'presence-heartbeat-failed', err: (err as Error).message }, 'presence heartbeat failed');
    }
  }
}
