import type { Logger } from 'pino';

/** A message is gone from its room and the room is told so. */
export type MessageExpired = { roomToken: string; messageId: string } & (
  | {
      /** Its TTL or burn ran out; `lagMs` says how long after its deadline it was claimed. */
      cause: 'deadline';
      lagMs: number;
    }
  | {
      /** Its image was deleted or expired first, and took the message along (the image is gone already). */
      cause: 'image';
    }
  | {
      /** Dropped, the oldest, to keep its room within its caps (what it carries must go too). */
      cause: 'evicted';
    }
);

/** Burn-after-reading messages were read: they (and what belongs to them) go at `burnAt`. */
export interface MessagesBurning {
  roomToken: string;
  messageIds: string[];
  burnAt: number;
}

/** A participant left a room without saying so: its node died, or its connection went. */
export interface ParticipantLeft {
  roomToken: string;
  agentId: string;
}

/** What the domain announces, by name. Add an event here and every subscriber sees its type. */
export interface DomainEventMap {
  messageExpired: MessageExpired;
  messagesBurning: MessagesBurning;
  participantLeft: ParticipantLeft;
  /** The store answers again after an outage; a shared one may have forgotten volatile state. */
  storeReconnected: Record<string, never>;
}

export type DomainEventName = keyof DomainEventMap;

/** A subscriber's hooks, each optional; a hook may be async (its emitter can wait for it). */
export type DomainHooks = {
  [E in DomainEventName]?: (payload: DomainEventMap[E]) => void | Promise<void>;
};

/**
 * The one surface the domain announces on, in the manner of hocuspocus's extension hooks: named
 * subscribers (the gateway, images, metrics) register the hooks they care about when they are
 * built. A subscriber's failure is logged and never reaches the emitter or another subscriber.
 */
export class DomainEvents {
  private readonly subscribers: Array<{ name: string; hooks: DomainHooks }> = [];

  constructor(private readonly log: Logger) {}

  subscribe(name: string, hooks: DomainHooks): void {
    this.subscribers.push({ name, hooks });
  }

  /**
   * Calls every subscriber's hook for `event`, in the order they subscribed; synchronous hooks
   * have run when this returns. Resolves once the asynchronous ones have settled; never rejects.
   */
  emit<E extends DomainEventName>(event: E, payload: DomainEventMap[E]): Promise<void> {
    const pending: Array<Promise<void>> = [];
    for (const { name, hooks } of this.subscribers) {
      const hook = hooks[event];
      if (!hook) continue;
      try {
        const result = hook.call(hooks, payload);
        if (result instanceof Promise) pending.push(result.catch((err: unknown) => this.failed(event, name, err)));
      } catch (err) {
        this.failed(event, name, err);
      }
    }
    return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => undefined);
  }

  /** No payload is logged: it holds room tokens and names. */
  private failed(event: DomainEventName, subscriber: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.log.warn({ event: 'domain-hook-failed', domainEvent: event, subscriber, err: message }, 'a subscriber failed');
  }
}
