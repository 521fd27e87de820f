import { describe, expect, it } from 'vitest';
import { listen, nextResume, rawClient, resumeAcrossAGap, resumingClient } from '../helpers/resuming-client.js';
import { io } from 'socket.io-client';
import { RESUME_MAX_REPLAY_MESSAGES } from '../../src/defaults.js';
import { RESUME_MAX_HELD_PER_ROOM, type SessionPayload } from '../../src/protocol/resume.js';
import { afterThisTest } from '../helpers/cleanup.js';
import {
  collect,
  disconnected,
  eventually,
  joinedClient,
  nextEvent,
  ok,
  refused,
  request,
  type Client,
} from '../helpers/client.js';
import { getJson, http } from '../helpers/http.js';
import { olderNode } from '../helpers/older-node.js';
import { privateRedis } from '../helpers/private-redis.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';
import { SwitchProxy } from '../helpers/switch-proxy.js';

const ROOM = 'RES-UME-001';
const TOKEN = 'metrics-token-for-tests-0123456789';

describe.each(storeKinds())('resuming a dropped connection on one node (%s store)', (store) => {
  it('gets the missed messages in order, the expiry of a held one, once each, and keeps its name', async () => {
    const server = await startServer({ store });
    const port = Number(new URL(server.url).port);
    const proxy = await SwitchProxy.start(port);
    const phone = await resumingClient(proxy.url);
    await phone.join(ROOM, 'Phone');
    const desk = await joinedClient(server.url, ROOM, 'Desk');
    await resumeAcrossAGap({ proxy, phone, desk, room: ROOM });
    // One phone in the room, and its name is still its own.
    const health = await fetch(`${server.url}/api/health`).then(
      (r) => r.json() as Promise<{ totalParticipants: number }>,
    );
    expect(health.totalParticipants).toBe(2);
    const thief = await joinedClient(server.url, 'RES-UME-002', 'Thief');
    const taken = await request(thief, 'join-room', { roomToken: ROOM, agentId: 'Phone' });
    expect(taken).toMatchObject({ ok: false, error: { code: 'AGENT_TAKEN' } });
  });
});

/** Drops the client's transport as a lost network would (its server sees it close; not on purpose). */
async function dropped(socket: Client): Promise<void> {
  const gone = disconnected(socket);
  socket.io.engine.close();
  await gone;
}

describe('resume credentials', () => {
  it('resume once: the same credential again is refused (RESUME_REFUSED) and a fresh session starts', async () => {
    const server = await startServer({ env: { METRICS_TOKEN: TOKEN } });
    const first = await rawClient(server.url, { features: ['resume'] });
    const { credential } = await first.session;
    await ok(request(first.socket, 'join-room', { roomToken: ROOM, agentId: 'Once' }));
    await dropped(first.socket);

    const auth = { features: ['resume'], resume: { credential, rooms: [{ roomToken: ROOM, held: [] }] } };
    const second = await rawClient(server.url, auth);
    const resumed = await second.session;
    expect(resumed).toMatchObject({ resumed: { ok: true, rooms: [{ roomToken: ROOM, rejoined: true }] } });
    expect(resumed.credential).not.toBe(credential);
    await ok(request(second.socket, 'send-message', { roomToken: ROOM, message: 'still here' }));

    const replayed = await rawClient(server.url, auth);
    const refusedSession = await replayed.session;
    expect(refusedSession.resumed).toEqual({
      ok: false,
      error: { code: 'RESUME_REFUSED', message: expect.any(String) },
    });
    expect(refusedSession.credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await refused(request(replayed.socket, 'send-message', { roomToken: ROOM, message: 'x' }))).toMatchObject({
      code: 'NOT_A_MEMBER',
    });

    // Counted, by outcome only: nothing of who or which room.
    expect((await getJson(`${server.url}/api/health`)).resumes).toEqual({ recovered: 1, gap: 0, refused: 1 });
    const metrics = await http(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(metrics.body).toContain('ghostchat_resumes_total{outcome="recovered"} 1');
    expect(metrics.body).toContain('ghostchat_resumes_total{outcome="refused"} 1');
  });

  it('resumes the rooms the client names and leaves the others (their members see it go)', async () => {
    const server = await startServer();
    const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
    const first = await rawClient(proxy.url, { features: ['resume'] });
    const { credential } = await first.session;
    await ok(request(first.socket, 'join-room', { roomToken: ROOM, agentId: 'Kept' }));
    await ok(request(first.socket, 'join-room', { roomToken: 'RES-UME-002', agentId: 'Dropped' }));
    const watcher = await joinedClient(server.url, 'RES-UME-002', 'Watcher');
    proxy.cut();
    const gone = nextEvent(watcher, 'participant-left');
    const auth = { features: ['resume'], resume: { credential, rooms: [{ roomToken: ROOM, held: [] }] } };
    const second = await rawClient(server.url, auth);
    expect((await second.session).resumed).toEqual({
      ok: true,
      rooms: [{ roomToken: ROOM, rejoined: true, recovered: true }],
    });
    expect(await gone).toEqual({ agentId: 'Dropped', roomToken: 'RES-UME-002' });
    await ok(request(second.socket, 'send-message', { roomToken: ROOM, message: 'here' }));
  });

  it('a client that disconnects on purpose leaves nothing to resume', async () => {
    const server = await startServer();
    const first = await rawClient(server.url, { features: ['resume'] });
    const { credential } = await first.session;
    await ok(request(first.socket, 'join-room', { roomToken: ROOM, agentId: 'Leaver' }));
    const watcher = await joinedClient(server.url, ROOM, 'Watcher');
    const gone = nextEvent(watcher, 'participant-left');
    first.socket.disconnect();
    // Its record goes as its departure is handled, which the others hear of.
    await gone;
    const again = await rawClient(server.url, { features: ['resume'], resume: { credential, rooms: [] } });
    expect((await again.session).resumed).toMatchObject({ ok: false, error: { code: 'RESUME_REFUSED' } });
  });

  it('refuses a malformed resume (PAYLOAD_INVALID) with a fresh session; without the feature, nothing changes', async () => {
    const server = await startServer();
    const hostile = await rawClient(server.url, {
      features: ['resume'],
      resume: { credential: 'short', rooms: [{ roomToken: 'bad', held: 'x'.repeat(100) }] },
    });
    expect((await hostile.session).resumed).toMatchObject({ ok: false, error: { code: 'PAYLOAD_INVALID' } });
    await ok(request(hostile.socket, 'join-room', { roomToken: ROOM, agentId: 'Hostile' }));
    // Bounded in every dimension: held ids per room, rooms per resume.
    const credential = 'A'.repeat(43);
    const tooManyHeld = [
      { roomToken: ROOM, held: Array.from({ length: RESUME_MAX_HELD_PER_ROOM + 1 }, (_, i) => `m${i}`) },
    ];
    const tooManyRooms = Array.from({ length: server.config.clientLimits.socket.maxRooms + 1 }, (_, i) => ({
      roomToken: `RES-UME-${String(i).padStart(3, '0')}`,
      held: [],
    }));
    for (const rooms of [tooManyHeld, tooManyRooms]) {
      const oversized = await rawClient(server.url, { features: ['resume'], resume: { credential, rooms } });
      expect((await oversized.session).resumed).toMatchObject({ ok: false, error: { code: 'PAYLOAD_INVALID' } });
    }

    // An earlier client (no `resume` feature) sends the same and gets today's protocol: no session event.
    const earlier: Client = io(server.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { resume: { credential: 'x'.repeat(43), rooms: [] } },
    });
    afterThisTest(() => earlier.disconnect());
    const sessions = collect(earlier, 'session');
    await ok(request(earlier, 'join-room', { roomToken: ROOM, agentId: 'Earlier' }));
    expect(sessions).toEqual([]);
  });

  it('a name taken meanwhile is not given back: that room says AGENT_TAKEN, not rejoined, not recovered', async () => {
    const server = await startServer();
    const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
    const phone = await resumingClient(proxy.url);
    await phone.join(ROOM, 'Phone');
    const watcher = await joinedClient(server.url, ROOM, 'Watcher');
    proxy.hold();
    const gone = nextEvent(watcher, 'participant-left');
    phone.socket.io.engine.close();
    expect(await gone).toEqual({ agentId: 'Phone', roomToken: ROOM });
    await joinedClient(server.url, ROOM, 'Phone');
    const resumed = nextResume(phone);
    proxy.release();
    expect(await resumed).toEqual({
      ok: true,
      rooms: [
        {
          roomToken: ROOM,
          rejoined: false,
          recovered: false,
          error: { code: 'AGENT_TAKEN', message: expect.any(String) },
        },
      ],
    });
    await expect(phone.send(ROOM, 'x')).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
  });
});

describe('a reconnection that lands on a node without resume', () => {
  it('is told its resume was refused when no `session` comes, and joins again as a fresh connection', async () => {
    const server = await startServer();
    const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
    const phone = await resumingClient(proxy.url, [], { resumeOutcomeTimeoutMs: 300 });
    await phone.join(ROOM, 'Phone');
    proxy.cut({ hold: true });
    proxy.pointTo(await olderNode());
    const resumed = nextResume(phone);
    proxy.release();
    expect(await resumed).toEqual({ ok: false, error: { code: 'RESUME_REFUSED', message: expect.any(String) } });
    expect(phone.resuming).toBe(false);
    expect(await phone.join(ROOM, 'Phone')).toEqual({ ok: true, roomToken: ROOM, participants: ['Phone'] });
  });
});

describe('rooms a resume may not reopen', () => {
  it('a short-token room that died while the client was away stays closed (ROOM_TOKEN_TOO_SHORT)', async () => {
    const server = await startServer();
    const short = 'AB-CD-E';
    const { presence } = server.server.stores;
    // A room opened before the token rule (someone is in it): reachable by its link, so the phone joins.
    await presence.join(short, 'older#1', 'Oldtimer');
    const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
    const phone = await resumingClient(proxy.url);
    await phone.join(short, 'Phone');
    await presence.leave(short, 'older#1');
    proxy.hold();
    phone.socket.io.engine.close();
    // The phone's node saw it go: the room is empty and holds no message, so it is gone.
    await eventually(async () => (await presence.count(short)) === 0);
    const resumed = nextResume(phone);
    proxy.release();
    expect(await resumed).toEqual({
      ok: true,
      rooms: [
        {
          roomToken: short,
          rejoined: false,
          recovered: false,
          error: { code: 'ROOM_TOKEN_TOO_SHORT', message: expect.any(String) },
        },
      ],
    });
    expect(await presence.count(short)).toBe(0);
  });
});

describe('what a resume replays', () => {
  it('a gap longer than a replay is reported (recovered: false), not replayed in part', async () => {
    const server = await startServer();
    const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
    const phone = await resumingClient(proxy.url);
    await phone.join(ROOM, 'Phone');
    const desk = await joinedClient(server.url, ROOM, 'Desk');
    const heard = listen(phone);
    proxy.cut({ hold: true });
    for (let i = 0; i <= RESUME_MAX_REPLAY_MESSAGES; i++) {
      await ok(request(desk, 'send-message', { roomToken: ROOM, message: `m${i}` }));
    }
    const resumed = nextResume(phone);
    proxy.release();
    expect(await resumed).toEqual({ ok: true, rooms: [{ roomToken: ROOM, rejoined: true, recovered: false }] });
    // The outcome comes after any replay: none came.
    expect(heard.messages).toEqual([]);
    const fromPhone = nextEvent(desk, 'new-message');
    await phone.send(ROOM, 'back');
    expect(await fromPhone).toMatchObject({ sender: 'Phone' });
  });

  it('to a client that reveals messages itself, a missed burn-after-reading message comes unrevealed and does not burn', async () => {
    const server = await startServer();
    const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
    const phone = await resumingClient(proxy.url, ['reveal']);
    await phone.join(ROOM, 'Phone');
    const desk = await joinedClient(server.url, ROOM, 'Desk');
    const burning = collect(desk, 'message-burning');
    const heard = listen(phone);
    proxy.cut({ hold: true });
    const once = await ok(request(desk, 'send-message', { roomToken: ROOM, message: 'once', ttl: 0 }));
    const resumed = nextResume(phone);
    proxy.release();
    expect(await resumed).toMatchObject({ ok: true, rooms: [{ recovered: true }] });
    expect(heard.messages).toEqual([
      {
        id: once.messageId,
        type: 'text',
        sender: 'Desk',
        timestamp: once.timestamp,
        ttl: 0,
        roomToken: ROOM,
        unrevealed: true,
      },
    ]);
    // Its burn starts when the phone reveals it, not when it was replayed.
    const revealed = await phone.reveal(ROOM, once.messageId);
    await eventually(() => burning.length === 1);
    expect(burning[0]).toEqual({ messageId: once.messageId, roomToken: ROOM, burnsAt: revealed.burnsAt });
  });

  it("to a reveal client whose name another used while it was away, that one's burn-after-reading message comes unrevealed", async () => {
    const server = await startServer();
    const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
    const phone = await resumingClient(proxy.url, ['reveal']);
    await phone.join(ROOM, 'Phone');
    const desk = await joinedClient(server.url, ROOM, 'Desk');
    proxy.hold();
    const gone = nextEvent(desk, 'participant-left');
    phone.socket.io.engine.close();
    expect(await gone).toEqual({ agentId: 'Phone', roomToken: ROOM });
    // The name was free: someone else takes it, says something once, and goes.
    const impostor = await joinedClient(server.url, ROOM, 'Phone');
    const once = await ok(request(impostor, 'send-message', { roomToken: ROOM, message: 'not yours', ttl: 0 }));
    await ok(request(impostor, 'leave-room', { roomToken: ROOM }));
    const heard = listen(phone);
    const resumed = nextResume(phone);
    proxy.release();
    expect(await resumed).toMatchObject({ ok: true, rooms: [{ rejoined: true, recovered: true }] });
    expect(heard.messages).toEqual([
      {
        id: once.messageId,
        type: 'text',
        sender: 'Phone',
        timestamp: once.timestamp,
        ttl: 0,
        roomToken: ROOM,
        unrevealed: true,
      },
    ]);
  });
});

describe.runIf(storeKinds().includes('redis') && redisServerBinary() !== null)('resuming while Redis is away', () => {
  it(
    'says STORE_UNAVAILABLE (and that no credential could be given), then carries on once Redis is back',
    { timeout: 60_000 },
    async () => {
      const redis = await privateRedis();
      const server = await startServer({ store: 'redis', redisUrl: redis.url, keepData: true });
      const proxy = await SwitchProxy.start(Number(new URL(server.url).port));
      const phone = await resumingClient(proxy.url);
      await phone.join(ROOM, 'Phone');
      const sessions: SessionPayload[] = [];
      phone.on('session', (s) => void sessions.push(s));
      proxy.cut({ hold: true });
      redis.pause();
      const resumed = nextResume(phone);
      try {
        proxy.release();
        expect(await resumed).toEqual({ ok: false, error: { code: 'STORE_UNAVAILABLE', message: expect.any(String) } });
        expect(sessions).toEqual([expect.objectContaining({ credential: null })]);
      } finally {
        redis.resume();
      }
      await eventually(async () => {
        try {
          await phone.join('RES-UME-003', 'Phone again');
          return true;
        } catch {
          return false;
        }
      }, 15_000);
    },
  );
});
