import { describe, expect, it } from 'vitest';
import { joinedClient, nextEvent, ok, openClient, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const ROOM = 'NAM-ESR-OOM';

describe.each(storeKinds())('names on %s', (store) => {
  async function refused(url: string, agentId: string, code: string) {
    const client = await openClient(url);
    const errorEvent = nextEvent(client, 'error');
    const ack = await request(client, 'join-room', { roomToken: ROOM, agentId });
    expect(ack, JSON.stringify(agentId)).toMatchObject({ ok: false, error: { code } });
    expect(await errorEvent).toMatchObject({ code, event: 'join-room' });
  }

  it('refuses names holding invisible, format or direction characters', async () => {
    const { url } = await startServer({ store });
    await joinedClient(url, ROOM, 'alice');
    for (const agentId of [
      'alice\u200b', // zero-width space
      '\u202eecila', // right-to-left override: shows as "alice"
      'al\u200dice', // zero-width joiner
      'alice\u2066', // bidi isolate
      '\u2800', // braille blank
      'ali\u3164ce', // hangul filler
      'a\u00adlice', // soft hyphen
      'alice\ufe0f', // a variation selector after a letter
      `a${'\u0301'.repeat(8)}`, // combining marks piled up
      '\ue000alice', // private use
      'ali\ud800ce', // lone surrogate
    ]) {
      await refused(url, agentId, 'AGENT_NAME_INVALID');
    }
    expect((await getJson(`${url}/api/room/${ROOM}/stats`)).participantCount).toBe(1);
  });

  it('refuses a name that looks like one already in the room, and frees the look once its holder leaves', async () => {
    const { url } = await startServer({ store });
    const alice = await joinedClient(url, ROOM, 'alice');
    for (const agentId of ['\u0430lice', 'aIice', '\u0251lice', 'alice ', 'ａｌｉｃｅ']) {
      await refused(url, agentId, 'AGENT_CONFUSABLE');
    }
    // In another room the same look-alike is nobody's double.
    expect(
      (await request(await openClient(url), 'join-room', { roomToken: 'OTH-ERR-OOM', agentId: '\u0430lice' })).ok,
    ).toBe(true);
    const left = nextEvent(await joinedClient(url, ROOM, 'bob'), 'participant-left');
    alice.disconnect();
    await left;
    expect((await request(await openClient(url), 'join-room', { roomToken: ROOM, agentId: '\u0430lice' })).ok).toBe(
      true,
    );
  });

  it("keeps the earlier clients' names and emoji, and stores a name in one spelling (NFC)", async () => {
    const { url } = await startServer({ store });
    for (const agentId of ['Ghost-456', 'Shadow-789', 'Ghost 👻 #1', 'Renée', '❤️ fan', '李小龍']) {
      const ack = await request(await openClient(url), 'join-room', { roomToken: ROOM, agentId });
      expect(ack.ok, agentId).toBe(true);
    }
    const decomposed = await ok(request(await openClient(url), 'join-room', { roomToken: ROOM, agentId: 'Zoe\u0308' }));
    expect(decomposed.participants).toContain('Zoë');
    await refused(url, 'Zoë', 'AGENT_TAKEN');
  });
});

describe.each(storeKinds())('room tokens on %s', (store) => {
  it('refuses to open a room with a short token, but lets anyone reach a short-token room that exists', async () => {
    const running = await startServer({ store });
    const client = await openClient(running.url);
    for (const roomToken of ['A-B-C', 'AB-CD-E', 'ABC-12-X']) {
      const ack = await request(client, 'join-room', { roomToken, agentId: 'Ghost' });
      expect(ack, roomToken).toMatchObject({ ok: false, error: { code: 'ROOM_TOKEN_TOO_SHORT' } });
    }
    // The earlier web client's tokens (3+2+2) and the page's (3x3) open rooms.
    expect((await request(client, 'join-room', { roomToken: 'K7P-QX-4M', agentId: 'Ghost' })).ok).toBe(true);
    expect((await request(client, 'join-room', { roomToken: 'K7P-QX4-M2B', agentId: 'Ghost' })).ok).toBe(true);
    // A room opened before the rule (someone is in it): still reachable by its link.
    await running.server.stores.presence.join('AB-CD-E', 'older#1', 'Oldtimer');
    const ack = await request(client, 'join-room', { roomToken: 'AB-CD-E', agentId: 'Ghost' });
    expect(ack).toMatchObject({ ok: true, participants: expect.arrayContaining(['Oldtimer', 'Ghost']) });
  });
});
