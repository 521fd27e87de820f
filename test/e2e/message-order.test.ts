import { describe, expect, it } from 'vitest';
import type { AckResponse } from '../../src/protocol/schemas.js';
import { asText, type Client, collect, eventually, joinedClient, openClient } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

// A client's events are handled in the order sent even while the server overlaps their store calls
// (a burst of sends is pipelined): what is stored, broadcast and acknowledged keeps the order, and
// a join or leave stands between the sends around it. Nothing here waits for an ack before sending.

const ROOM = 'ORD-ERS-001';

type Ack = AckResponse<Record<string, unknown>>;
/** The events of a burst are mixed, so the client is driven untyped here. */
const untyped = (client: Client) =>
  client as unknown as {
    timeout(ms: number): { emit(event: string, payload: object, done: (err: Error | null, ack: Ack) => void): void };
  };

/** Sends every event at once; resolves with the acks in the order they arrived and each one's index. */
function burst(client: Client, events: Array<[string, object]>): Promise<Array<{ index: number; ack: Ack }>> {
  const arrived: Array<{ index: number; ack: Ack }> = [];
  return new Promise((resolve) => {
    events.forEach(([event, payload], index) => {
      untyped(client)
        .timeout(10_000)
        .emit(event, payload, (err, ack) => {
          arrived.push({ index, ack: err ? { ok: false, error: { code: 'TIMEOUT', message: err.message } } : ack });
          if (arrived.length === events.length) resolve(arrived);
        });
    });
  });
}

async function historyTexts(url: string, roomToken: string): Promise<string[]> {
  const texts: string[] = [];
  let page = await getJson(`${url}/api/room/${roomToken}/messages?limit=200`);
  for (;;) {
    texts.unshift(...page.messages.map((m: { message: string }) => m.message));
    if (!page.hasMore) return texts;
    page = await getJson(`${url}/api/room/${roomToken}/messages?before=${page.before}`);
  }
}

describe.each(storeKinds())('a burst of events from one client on %s', (store) => {
  let running: RunningServer;

  it('acknowledges, broadcasts and stores sends in the order sent, burn-after-reading ones among them', async () => {
    running = await startServer({ store });
    const sender = await joinedClient(running.url, ROOM, 'Sender');
    const reader = await joinedClient(running.url, ROOM, 'Reader');
    const received = collect(reader, 'new-message');
    const echoed = collect(sender, 'new-message');
    const count = 150;
    // Every seventh is burn after reading: its send takes more store calls than the others.
    const sends = Array.from({ length: count }, (_, i): [string, object] => [
      'send-message',
      { roomToken: ROOM, message: `m${i}`, ...(i % 7 === 3 ? { ttl: 0 } : {}) },
    ]);
    const acks = await burst(sender, sends);
    expect(acks.map((a) => a.index)).toEqual(sends.map((_, i) => i));
    expect(acks.every((a) => a.ack.ok)).toBe(true);
    const expected = sends.map((_, i) => `m${i}`);
    await eventually(() => received.length === count && echoed.length === count, 10_000);
    expect(received.map((m) => asText(m).message)).toEqual(expected);
    expect(echoed.map((m) => asText(m).message)).toEqual(expected);
    // Each ack names the message broadcast in its place, and time never runs backwards.
    const ids = acks.map((a) => (a.ack.ok ? a.ack.messageId : null));
    expect(ids).toEqual(echoed.map((m) => m.id));
    const times = echoed.map((m) => Date.parse(m.timestamp));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // The burn-after-reading ones stay listed until their burn ends.
    expect(await historyTexts(running.url, ROOM)).toEqual(expected);
  });

  it('sees a join sent just before its sends, and refuses the sends after a leave', async () => {
    running = await startServer({ store });
    const reader = await joinedClient(running.url, ROOM, 'Reader');
    const received = collect(reader, 'new-message');
    const client = await openClient(running.url);
    const send = (message: string): [string, object] => ['send-message', { roomToken: ROOM, message }];
    const events: Array<[string, object]> = [
      send('before join'),
      ['join-room', { roomToken: ROOM, agentId: 'Burst' }],
      ...Array.from({ length: 40 }, (_, i) => send(`a${i}`)),
      ['leave-room', { roomToken: ROOM }],
      send('after leave'),
      ['join-room', { roomToken: ROOM, agentId: 'Burst' }],
      ...Array.from({ length: 40 }, (_, i) => send(`b${i}`)),
    ];
    const acks = await burst(client, events);
    expect(acks.map((a) => a.index)).toEqual(events.map((_, i) => i));
    const refused = acks.filter((a) => !a.ack.ok);
    expect(refused.map((a) => a.index)).toEqual([0, 43]);
    for (const { ack } of refused) expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
    const expected = [
      ...Array.from({ length: 40 }, (_, i) => `a${i}`),
      ...Array.from({ length: 40 }, (_, i) => `b${i}`),
    ];
    await eventually(() => received.length === expected.length, 10_000);
    expect(received.map((m) => asText(m).message)).toEqual(expected);
    expect(received.every((m) => m.sender === 'Burst')).toBe(true);
    expect(await historyTexts(running.url, ROOM)).toEqual(expected);
  });

  it('keeps each of several senders in order while their bursts interleave', async () => {
    running = await startServer({ store });
    const reader = await joinedClient(running.url, ROOM, 'Reader');
    const received = collect(reader, 'new-message');
    const senders = await Promise.all(['One', 'Two', 'Three'].map((name) => joinedClient(running.url, ROOM, name)));
    const count = 60;
    const acks = await Promise.all(
      senders.map((s, n) =>
        burst(
          s,
          Array.from({ length: count }, (_, i) => ['send-message', { roomToken: ROOM, message: `${n}:${i}` }]),
        ),
      ),
    );
    for (const a of acks) expect(a.map((x) => x.index)).toEqual(Array.from({ length: count }, (_, i) => i));
    await eventually(() => received.length === count * senders.length, 10_000);
    const stored = await historyTexts(running.url, ROOM);
    for (let n = 0; n < senders.length; n++) {
      const mine = Array.from({ length: count }, (_, i) => `${n}:${i}`);
      expect(received.map((m) => asText(m).message).filter((t) => t.startsWith(`${n}:`))).toEqual(mine);
      expect(stored.filter((t) => t.startsWith(`${n}:`))).toEqual(mine);
    }
  });
});
