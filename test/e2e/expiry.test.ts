import { describe, expect, it } from 'vitest';
import { asText, collect, eventually, joinedClient, nextEvent, ok, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import { redisUrl, storeKinds } from '../helpers/stores.js';

const ROOM = 'EXP-123-XYZ';
const FAST = { BURN_AFTER_READ_SECONDS: '1', EXPIRY_POLL_MS: '50' };

describe.each(storeKinds())('expiry and burn-after-reading on %s', (store) => {
  const start = (env: Record<string, string> = {}) => startServer({ store, env: { ...FAST, ...env } });

  it('expires a message at its TTL: every participant is told once and history forgets it', async () => {
    const { url } = await start();
    const a = await joinedClient(url, ROOM, 'A');
    const b = await joinedClient(url, ROOM, 'B');
    const expiredA = collect(a, 'message-expired');
    const expiredB = collect(b, 'message-expired');
    const sentAt = Date.now();
    const ack = await ok(request(a, 'send-message', { roomToken: ROOM, message: 'short-lived', ttl: 1 }));
    const keep = await ok(request(a, 'send-message', { roomToken: ROOM, message: 'long-lived', ttl: 3600 }));
    await eventually(() => expiredA.length === 1 && expiredB.length === 1, 5000);
    const lag = Date.now() - sentAt;
    expect(lag).toBeGreaterThanOrEqual(1000);
    expect(expiredA).toEqual([{ messageId: ack.messageId, roomToken: ROOM }]);
    expect(expiredB).toEqual([{ messageId: ack.messageId, roomToken: ROOM }]);
    const history = await getJson(`${url}/api/room/${ROOM}/messages`);
    expect(history.messages.map((m: { id: string }) => m.id)).toEqual([keep.messageId]);
    expect((await getJson(`${url}/api/room/${ROOM}/stats`)).messageCount).toBe(1);
    // Exactly once: nothing more arrives over several more expiry passes.
    await new Promise((r) => setTimeout(r, 300));
    expect(expiredA).toHaveLength(1);
  });

  it('burns a ttl-0 message shortly after another participant received it live', async () => {
    const { url } = await start();
    const sender = await joinedClient(url, ROOM, 'Sender');
    const reader = await joinedClient(url, ROOM, 'Reader');
    const received = nextEvent(reader, 'new-message');
    const expired = nextEvent(reader, 'message-expired', 5000);
    const ack = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'read me once', ttl: 0 }));
    expect((await received).ttl).toBe(0);
    expect(await expired).toEqual({ messageId: ack.messageId, roomToken: ROOM });
    expect((await getJson(`${url}/api/room/${ROOM}/messages`)).messages).toEqual([]);
  });

  it('keeps an unread ttl-0 message through history lookups, then burns it once a member joins to read it', async () => {
    const { url } = await start();
    const sender = await joinedClient(url, ROOM, 'Alone');
    const expired = collect(sender, 'message-expired');
    const ack = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'for later', ttl: 0 }));
    // Longer than the burn delay: had the history lookups been taken for reads, it would be gone by now.
    for (let i = 0; i < 3; i++) {
      const history = await getJson(`${url}/api/room/${ROOM}/messages`);
      expect(history.messages.map((m: { id: string }) => m.id)).toEqual([ack.messageId]);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(expired).toEqual([]);
    // The earlier web client: it joins, then reads the history, and finds the message there.
    await joinedClient(url, ROOM, 'Reader');
    const history = await getJson(`${url}/api/room/${ROOM}/messages`);
    expect(history.messages.map((m: { message: string }) => m.message)).toEqual(['for later']);
    await eventually(() => expired.length === 1, 5000);
    expect(expired[0]).toEqual({ messageId: ack.messageId, roomToken: ROOM });
    expect((await getJson(`${url}/api/room/${ROOM}/messages`)).messages).toEqual([]);
  });

  it('expires a burst of messages with the same deadline, each exactly once', async () => {
    const { url } = await start();
    const a = await joinedClient(url, ROOM, 'A');
    const expired = collect(a, 'message-expired');
    const acks = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ok(request(a, 'send-message', { roomToken: ROOM, message: `m${i}`, ttl: 1 })),
      ),
    );
    await eventually(() => expired.length >= 50, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(expired.map((e) => e.messageId).sort()).toEqual(acks.map((ack) => ack.messageId).sort());
  });
});

describe.runIf(storeKinds().includes('redis'))('expiry across nodes sharing Redis', () => {
  it('tells every participant on every node once, whichever node claims it', async () => {
    const first = await startServer({ store: 'redis', env: FAST, redisUrl: redisUrl() });
    const second = await startServer({ store: 'redis', env: FAST, prefix: first.prefix!, keepData: true });
    const onFirst = await joinedClient(first.url, ROOM, 'OnFirst');
    const onSecond = await joinedClient(second.url, ROOM, 'OnSecond');
    const seenFirst = collect(onFirst, 'message-expired');
    const seenSecond = collect(onSecond, 'message-expired');
    const messages = collect(onSecond, 'new-message');
    const acks = [];
    for (let i = 0; i < 20; i++)
      acks.push(await ok(request(onFirst, 'send-message', { roomToken: ROOM, message: `x${i}`, ttl: 1 })));
    await eventually(() => messages.length === 20, 5000);
    await eventually(() => seenFirst.length >= 20 && seenSecond.length >= 20, 6000);
    await new Promise((r) => setTimeout(r, 300));
    const ids = acks.map((a) => a.messageId).sort();
    expect(seenFirst.map((e) => e.messageId).sort()).toEqual(ids);
    expect(seenSecond.map((e) => e.messageId).sort()).toEqual(ids);
  });

  it('shares presence and messages between nodes: one name per room, broadcasts cross over', async () => {
    const first = await startServer({ store: 'redis', env: FAST });
    const second = await startServer({ store: 'redis', env: FAST, prefix: first.prefix!, keepData: true });
    const onFirst = await joinedClient(first.url, ROOM, 'Ghost');
    const impostor = await joinedClient(second.url, 'OTH-ER0-001', 'Somebody');
    const taken = await request(impostor, 'join-room', { roomToken: ROOM, agentId: 'Ghost' });
    expect(taken).toMatchObject({ ok: false, error: { code: 'AGENT_TAKEN' } });
    const joinedSeen = nextEvent(onFirst, 'participant-joined');
    const onSecond = await joinedClient(second.url, ROOM, 'Shadow');
    expect(await joinedSeen).toEqual({ agentId: 'Shadow', roomToken: ROOM });
    expect((await getJson(`${first.url}/api/room/${ROOM}/stats`)).participantCount).toBe(2);
    const crossed = nextEvent(onFirst, 'new-message');
    await request(onSecond, 'send-message', { roomToken: ROOM, message: 'across' });
    expect(asText(await crossed).message).toBe('across');
    const leftSeen = nextEvent(onFirst, 'participant-left');
    onSecond.disconnect();
    expect(await leftSeen).toEqual({ agentId: 'Shadow', roomToken: ROOM });
  });
});
