import { describe, expect, it } from 'vitest';
import { joinedClient, nextEvent, openClient, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const ROOM = 'FUL-000-ABC';

describe.each(storeKinds())('participants per room on %s', (store) => {
  it('refuses the 51st participant with ROOM_FULL, and takes one when a place frees up', async () => {
    // The default, restored: the test helpers lift it for everyone else.
    const env = { MAX_ROOM_PARTICIPANTS: '50' };
    const first = await startServer({ store, env });
    // On Redis the room is shared: half the crowd on another node, counted together.
    const second = store === 'redis' ? await startServer({ store, env, prefix: first.prefix! }) : first;
    const members = [];
    for (let i = 0; i < 50; i++) members.push(await joinedClient((i % 2 ? second : first).url, ROOM, `member-${i}`));
    for (const [i, server] of [first, second].entries()) {
      const late = await openClient(server.url);
      const error = nextEvent(late, 'error');
      const ack = await request(late, 'join-room', { roomToken: ROOM, agentId: `late-${i}` });
      expect(ack).toMatchObject({ ok: false, error: { code: 'ROOM_FULL' } });
      expect(await error).toMatchObject({ code: 'ROOM_FULL', event: 'join-room' });
      // A full room is no reason to refuse another room.
      expect((await request(late, 'join-room', { roomToken: 'OTH-000-ABC', agentId: `late-${i}` })).ok).toBe(true);
    }
    expect((await getJson(`${first.url}/api/room/${ROOM}/stats`)).participantCount).toBe(50);

    // A member's repeated join is no new participant.
    expect((await request(members[0]!, 'join-room', { roomToken: ROOM, agentId: 'member-0' })).ok).toBe(true);
    const left = nextEvent(members[1]!, 'participant-left');
    members[0]!.disconnect();
    await left;
    const next = await openClient(second.url);
    expect((await request(next, 'join-room', { roomToken: ROOM, agentId: 'next' })).ok).toBe(true);
  });
});
