import { BurnAfterReading } from '../../src/domain/burn-after-reading.js';
import { DomainEvents, type DomainEventMap, type DomainEventName } from '../../src/domain/domain-events.js';
import { ExpiryService } from '../../src/domain/expiry-service.js';
import { MessageService, type TtlPolicy } from '../../src/domain/message-service.js';
import { RoomService } from '../../src/domain/room-service.js';
import type { IdGenerator } from '../../src/lib/ids.js';
import type { ChatMessage } from '../../src/protocol/messages.js';
import { loadConfig } from '../../src/config.js';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import type { PageQuery } from '../../src/store/message-store.js';
import { captureLog } from './log-capture.js';

export const START = 1_700_000_000_000;

/** A clock the test moves by hand: expiry tests advance time instead of sleeping. */
export function testClock(start = START) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** `msg_<ms>_<counter>`: ids in the server's shape, predictable in a test. */
export function sequentialIds(now: () => number): IdGenerator {
  let n = 0;
  return (prefix) => `${prefix}_${now()}_${(n++).toString(16).padStart(16, '0')}`;
}

export type Emitted = { [E in DomainEventName]: { event: E; payload: DomainEventMap[E] } }[DomainEventName];

/** Every domain event, in order, as a subscriber sees it. */
export function recordEvents(events: DomainEvents): Emitted[] {
  const seen: Emitted[] = [];
  events.subscribe('recorder', {
    messageExpired: (payload) => void seen.push({ event: 'messageExpired', payload }),
    messagesBurning: (payload) => void seen.push({ event: 'messagesBurning', payload }),
    participantLeft: (payload) => void seen.push({ event: 'participantLeft', payload }),
    storeReconnected: (payload) => void seen.push({ event: 'storeReconnected', payload }),
  });
  return seen;
}

/** The room caps a server has by default. */
export const ROOM_CAPS = loadConfig({ NODE_ENV: 'test' }).rooms;

/** A text message as the stores hold it: `body of <id>` from Ghost, sent at `at`, unless told otherwise. */
export function textMessage(
  roomToken: string,
  id: string,
  { at, ttl = 60, body = `body of ${id}` }: { at: number; ttl?: number; body?: string },
): ChatMessage {
  return { id, type: 'text', message: body, sender: 'Ghost', timestamp: new Date(at).toISOString(), ttl, roomToken };
}

/** A page large enough for the whole of a test's history. */
export const WHOLE_HISTORY: PageQuery = { limit: 100_000, maxBytes: 2 ** 40 };

/** The whole live history of a room, oldest first, as a reader of every page would get it. */
export async function wholeHistory(messages: MessageService, roomToken: string) {
  return JSON.parse((await messages.history(roomToken, WHOLE_HISTORY)).json) as ChatMessage[];
}

export const POLICY: TtlPolicy = { maxTtlSeconds: 86_400, defaultTtlSeconds: 3_600, burnAfterReadSeconds: 30 };

/** The domain services on real memory stores, with a hand-moved clock and predictable ids. */
export function memoryDomain(policy: TtlPolicy = POLICY) {
  const clock = testClock();
  const stores = createMemoryStores(ROOM_CAPS);
  const captured = captureLog('warn');
  const events = new DomainEvents(captured.log);
  const emitted = recordEvents(events);
  // One generator for every service, as the server has: message ids never collide.
  const ids = sequentialIds(clock.now);
  const rooms = new RoomService(stores.presence, stores.rooms, stores.messages, clock.now, policy.maxTtlSeconds * 1000);
  const burns = new BurnAfterReading(stores.messages, stores.presence, stores.unread, policy, clock.now, events);
  const messages = new MessageService(stores.messages, burns, policy, clock.now, ids, events);
  const expiry = new ExpiryService(
    stores.messages,
    events,
    clock.now,
    { pollMs: 1000, batchSize: 2, maxBackoffMs: 1000 },
    { failed: () => undefined },
  );
  return { clock, ids, stores, events, emitted, log: captured, rooms, messages, expiry };
}
