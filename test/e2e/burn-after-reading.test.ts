import { describe, expect, it } from 'vitest';
import {
  asImage,
  asText,
  collect,
  eventually,
  joinedClient,
  nextEvent,
  ok,
  openClient,
  request,
  type Client,
} from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { fetchImage, makeImage } from '../helpers/images.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const ROOM = 'BRN-123-XYZ';
const FAST = { BURN_AFTER_READ_SECONDS: '1', EXPIRY_POLL_MS: '50' };
const REVEALS = { features: ['reveal' as const] };

/**
 * Whether a message is burning, asked of its sender: a sender's own reveal is never a read, and
 * says when the message burns (null while it is unread). Its answer comes after every burn an
 * earlier request started was announced, so `burning` events collected by then are complete.
 */
async function burnsAt(sender: Client, messageId: string): Promise<string | null> {
  return (await ok(request(sender, 'reveal-message', { roomToken: ROOM, messageId }))).burnsAt;
}

describe.each(storeKinds())('burn after reading on %s: what never starts a burn', (store) => {
  const start = () => startServer({ store, env: FAST });

  it("its sender's own history reload (a new connection, same name, then GET …/messages)", async () => {
    const { url } = await start();
    const before = await joinedClient(url, ROOM, 'Ghost');
    const ack = await ok(request(before, 'send-message', { roomToken: ROOM, message: 'unread', ttl: 0 }));
    before.disconnect();
    await eventually(async () => (await getJson(`${url}/api/room/${ROOM}/stats`)).participantCount === 0);
    const reloaded = await joinedClient(url, ROOM, 'Ghost');
    const burning = collect(reloaded, 'message-burning');
    const history = await getJson(`${url}/api/room/${ROOM}/messages`);
    expect(history.messages.map((m: { message: string }) => m.message)).toEqual(['unread']);
    expect(await burnsAt(reloaded, ack.messageId)).toBeNull();
    expect(burning).toEqual([]);
  });

  it('a client that never joined reading GET …/messages', async () => {
    const { url } = await start();
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const burning = collect(sender, 'message-burning');
    const ack = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'unread', ttl: 0 }));
    for (let i = 0; i < 3; i++) {
      const history = await getJson(`${url}/api/room/${ROOM}/messages`);
      expect(history.messages.map((m: { id: string }) => m.id)).toEqual([ack.messageId]);
    }
    // A client connected but not in the room reads it too.
    await openClient(url);
    await getJson(`${url}/api/room/${ROOM}/messages`);
    expect(await burnsAt(sender, ack.messageId)).toBeNull();
    expect(burning).toEqual([]);
  });

  it('GET and HEAD of its image URL (a link preview bot)', async () => {
    const { url } = await start();
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const burning = collect(sender, 'message-burning');
    const own = nextEvent(sender, 'new-message');
    const ack = await ok(
      request(sender, 'send-image', { roomToken: ROOM, imageData: { blob: await makeImage('png') }, ttl: 0 }),
    );
    const { imageUrl } = asImage(await own).imageData;
    const bot = { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } };
    expect((await fetch(`${url}${imageUrl}`, { ...bot, method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${url}${imageUrl}`, bot)).status).toBe(200);
    expect((await fetch(`${url}${imageUrl}`, bot)).status).toBe(200);
    expect(await burnsAt(sender, ack.messageId)).toBeNull();
    expect(burning).toEqual([]);
  });

  it('delivery to, and joining of, members whose clients reveal messages themselves', async () => {
    const { url } = await start();
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const present = await joinedClient(url, ROOM, 'Present', REVEALS);
    const burning = collect(sender, 'message-burning');
    const arrived = nextEvent(present, 'new-message');
    const ack = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'tap to reveal', ttl: 0 }));
    // It arrived without its body: nothing was read.
    expect(await arrived).toEqual({
      id: ack.messageId,
      type: 'text',
      sender: 'Ghost',
      timestamp: ack.timestamp,
      ttl: 0,
      roomToken: ROOM,
      unrevealed: true,
    });
    await joinedClient(url, ROOM, 'Latecomer', REVEALS);
    expect(await burnsAt(sender, ack.messageId)).toBeNull();
    expect(burning).toEqual([]);
  });
});

describe.each(storeKinds())('burn after reading on %s: what starts a burn', (store) => {
  const start = () => startServer({ store, env: FAST });

  it('live delivery to a member whose client takes delivery as reading', async () => {
    const { url } = await start();
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const reader = await joinedClient(url, ROOM, 'Reader');
    const received = nextEvent(reader, 'new-message');
    const burning = nextEvent(sender, 'message-burning');
    const expired = nextEvent(reader, 'message-expired', 5000);
    const ack = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'read live', ttl: 0 }));
    expect(asText(await received).message).toBe('read live');
    const burn = await burning;
    expect(burn).toEqual({ messageId: ack.messageId, roomToken: ROOM, burnsAt: expect.any(String) });
    expect(await burnsAt(sender, ack.messageId)).toBe(burn.burnsAt);
    expect(await expired).toEqual({ messageId: ack.messageId, roomToken: ROOM });
  });

  it('such a member joining: what others left unread burns, and the history it reads next shows it', async () => {
    const { url } = await start();
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const theirs = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'left for you', ttl: 0 }));
    const burning = nextEvent(sender, 'message-burning');
    // The earlier GhostChat web client: join, then load the history over REST.
    const reader = await joinedClient(url, ROOM, 'Reader');
    expect((await burning).messageId).toBe(theirs.messageId);
    const history = await getJson(`${url}/api/room/${ROOM}/messages`);
    expect(history.messages.map((m: { message: string }) => m.message)).toEqual(['left for you']);
    expect(await nextEvent(reader, 'message-expired', 5000)).toEqual({ messageId: theirs.messageId, roomToken: ROOM });
  });

  it('a reveal by a member other than the sender, once; the body comes only with the reveal', async () => {
    const { url } = await start();
    const sender = await joinedClient(url, ROOM, 'Ghost', REVEALS);
    const revealer = await joinedClient(url, ROOM, 'Revealer', REVEALS);
    const toSender = nextEvent(sender, 'new-message');
    const toRevealer = nextEvent(revealer, 'new-message');
    const burnings = collect(sender, 'message-burning');
    const ack = await ok(
      request(sender, 'send-image', {
        roomToken: ROOM,
        imageData: { blob: await makeImage('png') },
        caption: 'once',
        ttl: 0,
      }),
    );
    // The sender has it whole; the other member gets neither caption nor image URL.
    const whole = asImage(await toSender);
    expect(await toRevealer).toEqual({
      id: ack.messageId,
      type: 'image',
      sender: 'Ghost',
      timestamp: ack.timestamp,
      ttl: 0,
      roomToken: ROOM,
      unrevealed: true,
    });
    expect(await burnsAt(sender, ack.messageId)).toBeNull();
    const revealed = await ok(request(revealer, 'reveal-message', { roomToken: ROOM, messageId: ack.messageId }));
    expect(revealed.message).toEqual(whole);
    expect(revealed.burnsAt).toEqual(expect.any(String));
    expect((await fetchImage(url, whole.imageData.imageUrl)).status).toBe(200);
    // Revealing again, by anyone, keeps the deadline the first reveal set.
    const again = await ok(request(revealer, 'reveal-message', { roomToken: ROOM, messageId: ack.messageId }));
    expect(again.burnsAt).toBe(revealed.burnsAt);
    expect(await burnsAt(sender, ack.messageId)).toBe(revealed.burnsAt);
    expect(burnings).toEqual([{ messageId: ack.messageId, roomToken: ROOM, burnsAt: revealed.burnsAt }]);
    expect(await nextEvent(revealer, 'message-expired', 5000)).toEqual({ messageId: ack.messageId, roomToken: ROOM });
    await eventually(async () => (await fetchImage(url, whole.imageData.imageUrl)).status === 404);
    const gone = await request(revealer, 'reveal-message', { roomToken: ROOM, messageId: ack.messageId });
    expect(gone).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('ten members revealing at the same moment: all ten get it, the burn starts once', async () => {
    const { url } = await startServer({ store, env: { BURN_AFTER_READ_SECONDS: '30' } });
    const sender = await joinedClient(url, ROOM, 'Ghost', REVEALS);
    const readers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => joinedClient(url, ROOM, `Reader ${i}`, REVEALS)),
    );
    const placeholders = readers.map((r) => nextEvent(r, 'new-message'));
    const burnings = collect(sender, 'message-burning');
    const ack = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'for all ten', ttl: 0 }));
    for (const placeholder of await Promise.all(placeholders)) expect(placeholder).toMatchObject({ unrevealed: true });
    const reveals = await Promise.all(
      readers.map((r) => ok(request(r, 'reveal-message', { roomToken: ROOM, messageId: ack.messageId }))),
    );
    expect(reveals.map((r) => asText(r.message).message)).toEqual(Array(10).fill('for all ten'));
    expect(new Set(reveals.map((r) => r.burnsAt)).size).toBe(1);
    expect(await burnsAt(sender, ack.messageId)).toBe(reveals[0]!.burnsAt);
    expect(burnings).toEqual([{ messageId: ack.messageId, roomToken: ROOM, burnsAt: reveals[0]!.burnsAt }]);
  });
});

describe.each(storeKinds())('reveal-message on %s', (store) => {
  it('is for members of the room only, and answers a message of another room as gone', async () => {
    const { url } = await startServer({ store });
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const ack = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'members only', ttl: 0 }));
    const outsider = await openClient(url, REVEALS);
    const refused = await request(outsider, 'reveal-message', { roomToken: ROOM, messageId: ack.messageId });
    expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
    const elsewhere = await joinedClient(url, 'OTH-ER0-001', 'Elsewhere', REVEALS);
    const wrongRoom = await request(elsewhere, 'reveal-message', {
      roomToken: 'OTH-ER0-001',
      messageId: ack.messageId,
    });
    expect(wrongRoom).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await burnsAt(sender, ack.messageId)).toBeNull();
  });

  it('returns any live message whole; only burn-after-reading ones have a burn', async () => {
    const { url } = await startServer({ store });
    const sender = await joinedClient(url, ROOM, 'Ghost');
    const member = await joinedClient(url, ROOM, 'Member', REVEALS);
    const arrived = nextEvent(member, 'new-message');
    const ack = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'an hour', ttl: 3600 }));
    // Not burn after reading: delivered whole, to everyone.
    expect(asText(await arrived).message).toBe('an hour');
    const revealed = await ok(request(member, 'reveal-message', { roomToken: ROOM, messageId: ack.messageId }));
    expect(revealed).toMatchObject({ message: { id: ack.messageId, message: 'an hour' }, burnsAt: null });
  });
});

describe.runIf(storeKinds().includes('redis'))('burn after reading across nodes sharing Redis', () => {
  it('counts a member on another node: unrevealed there for a revealing client, a read for the others', async () => {
    const first = await startServer({ store: 'redis', env: FAST });
    const second = await startServer({ store: 'redis', env: FAST, prefix: first.prefix!, keepData: true });
    const sender = await joinedClient(first.url, ROOM, 'Ghost');
    const revealer = await joinedClient(second.url, ROOM, 'Revealer', REVEALS);
    const placeholder = nextEvent(revealer, 'new-message');
    const quiet = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'quiet', ttl: 0 }));
    expect(await placeholder).toMatchObject({ id: quiet.messageId, unrevealed: true });
    expect(await burnsAt(sender, quiet.messageId)).toBeNull();

    // A client on the second node that takes delivery as reading: the first node's send burns.
    const burningQuiet = nextEvent(sender, 'message-burning');
    const reader = await joinedClient(second.url, ROOM, 'Reader');
    expect(await burningQuiet).toMatchObject({ messageId: quiet.messageId });
    const received = nextEvent(reader, 'new-message');
    const burning = nextEvent(revealer, 'message-burning');
    const live = await ok(request(sender, 'send-message', { roomToken: ROOM, message: 'live', ttl: 0 }));
    expect(asText(await received).message).toBe('live');
    expect(await burning).toMatchObject({ messageId: live.messageId });
  });
});
