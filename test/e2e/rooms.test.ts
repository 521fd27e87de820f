import { describe, expect, it } from 'vitest';
import { collect, joinedClient, nextEvent, openClient, request, requestUntyped } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

describe.each(storeKinds())('rooms and presence on %s', (store) => {
  let running: RunningServer;

  it('joins a room and tells the others, with the reference shapes', async () => {
    running = await startServer({ store });
    const ghost = await joinedClient(running.url, 'ABC-123-XYZ', 'Ghost-456');
    const shadow = await openClient(running.url);
    const joinedEvent = nextEvent(shadow, 'room-joined');
    const announced = nextEvent(ghost, 'participant-joined');
    const ack = await request(shadow, 'join-room', { roomToken: 'ABC-123-XYZ', agentId: 'Shadow-789' });
    expect(ack).toEqual({
      ok: true,
      roomToken: 'ABC-123-XYZ',
      participants: expect.arrayContaining(['Ghost-456', 'Shadow-789']),
    });
    const joined = await joinedEvent;
    expect(joined.roomToken).toBe('ABC-123-XYZ');
    expect(joined.participants.sort()).toEqual(['Ghost-456', 'Shadow-789']);
    expect(await announced).toEqual({ agentId: 'Shadow-789', roomToken: 'ABC-123-XYZ' });
  });

  it("accepts the web client's short tokens and refuses malformed ones", async () => {
    running = await startServer({ store });
    const client = await openClient(running.url);
    expect((await request(client, 'join-room', { roomToken: 'K7P-QX-4M', agentId: 'a' })).ok).toBe(true);
    for (const roomToken of ['abc-123-xyz', 'ABCD-123-XYZ', 'ABC-123', 'ABC_123_XYZ', '../../etc', '', 42, null]) {
      const errorEvent = nextEvent(client, 'error');
      const ack = await requestUntyped(client, 'join-room', { roomToken, agentId: 'a' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'PAYLOAD_INVALID' } });
      expect(await errorEvent).toMatchObject({ code: 'PAYLOAD_INVALID', message: expect.any(String) });
    }
  });

  it('refuses a second live connection claiming a name already in the room', async () => {
    running = await startServer({ store });
    await joinedClient(running.url, 'ABC-123-XYZ', 'Ghost');
    const impostor = await openClient(running.url);
    const errorEvent = nextEvent(impostor, 'error');
    const ack = await request(impostor, 'join-room', { roomToken: 'ABC-123-XYZ', agentId: 'Ghost' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'AGENT_TAKEN' } });
    expect((await errorEvent).code).toBe('AGENT_TAKEN');
    const stats = await getJson(`${running.url}/api/room/ABC-123-XYZ/stats`);
    expect(stats.participantCount).toBe(1);
  });

  it('lets only one of many racing connections take a name', async () => {
    running = await startServer({ store });
    const clients = await Promise.all(Array.from({ length: 8 }, () => openClient(running.url)));
    const acks = await Promise.all(
      clients.map((c) => request(c, 'join-room', { roomToken: 'RAC-E00-001', agentId: 'Same' })),
    );
    expect(acks.filter((a) => a.ok)).toHaveLength(1);
    expect(acks.filter((a) => !a.ok).every((a) => a.error.code === 'AGENT_TAKEN')).toBe(true);
  });

  it('frees a name when its holder disconnects', async () => {
    running = await startServer({ store });
    const first = await joinedClient(running.url, 'ABC-123-XYZ', 'Ghost');
    const watcher = await joinedClient(running.url, 'ABC-123-XYZ', 'Watcher');
    const left = nextEvent(watcher, 'participant-left');
    first.disconnect();
    expect(await left).toEqual({ agentId: 'Ghost', roomToken: 'ABC-123-XYZ' });
    const again = await openClient(running.url);
    expect((await request(again, 'join-room', { roomToken: 'ABC-123-XYZ', agentId: 'Ghost' })).ok).toBe(true);
  });

  it('tracks one connection in several rooms, with the same name in each', async () => {
    running = await startServer({ store });
    const roamer = await openClient(running.url);
    for (const roomToken of ['AAA-111-AAA', 'BBB-222-BBB']) {
      expect((await request(roamer, 'join-room', { roomToken, agentId: 'Roamer' })).ok).toBe(true);
    }
    const inA = await joinedClient(running.url, 'AAA-111-AAA', 'Other');
    const inB = await joinedClient(running.url, 'BBB-222-BBB', 'Other');
    const leftA = nextEvent(inA, 'participant-left');
    const leftB = nextEvent(inB, 'participant-left');
    roamer.disconnect();
    expect(await leftA).toEqual({ agentId: 'Roamer', roomToken: 'AAA-111-AAA' });
    expect(await leftB).toEqual({ agentId: 'Roamer', roomToken: 'BBB-222-BBB' });
  });

  it('keeps duplicate names in different rooms apart', async () => {
    running = await startServer({ store });
    const a = await joinedClient(running.url, 'AAA-111-AAA', 'Twin');
    await joinedClient(running.url, 'BBB-222-BBB', 'Twin');
    a.disconnect();
    await expect
      .poll(async () => (await getJson(`${running.url}/api/room/AAA-111-AAA/stats`)).participantCount)
      .toBe(0);
    const b = await getJson(`${running.url}/api/room/BBB-222-BBB/stats`);
    expect(b.participantCount).toBe(1);
  });

  it('leave-room announces the departure to everyone, the last one leaving included', async () => {
    running = await startServer({ store });
    const stayer = await joinedClient(running.url, 'ABC-123-XYZ', 'Stayer');
    const leaver = await joinedClient(running.url, 'ABC-123-XYZ', 'Leaver');
    const seenByStayer = nextEvent(stayer, 'participant-left');
    const seenByLeaver = nextEvent(leaver, 'participant-left');
    expect(await request(leaver, 'leave-room', { roomToken: 'ABC-123-XYZ' })).toEqual({
      ok: true,
      roomToken: 'ABC-123-XYZ',
    });
    expect(await seenByStayer).toEqual({ agentId: 'Leaver', roomToken: 'ABC-123-XYZ' });
    expect(await seenByLeaver).toEqual({ agentId: 'Leaver', roomToken: 'ABC-123-XYZ' });

    const lastSeen = nextEvent(stayer, 'participant-left');
    await request(stayer, 'leave-room', { roomToken: 'ABC-123-XYZ' });
    expect(await lastSeen).toEqual({ agentId: 'Stayer', roomToken: 'ABC-123-XYZ' });
    const stats = await getJson(`${running.url}/api/room/ABC-123-XYZ/stats`);
    expect(stats.participantCount).toBe(0);
    const health = await getJson(`${running.url}/api/health`);
    expect(health).toMatchObject({ activeRooms: 0, totalParticipants: 0 });
  });

  it('refuses leaving a room that was not joined', async () => {
    running = await startServer({ store });
    const client = await openClient(running.url);
    const ack = await request(client, 'leave-room', { roomToken: 'ABC-123-XYZ' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
  });

  it('treats a repeated join under the same name as harmless and a new name as a conflict', async () => {
    running = await startServer({ store });
    const client = await joinedClient(running.url, 'ABC-123-XYZ', 'Ghost');
    const other = await joinedClient(running.url, 'ABC-123-XYZ', 'Other');
    const joins = collect(other, 'participant-joined');
    expect((await request(client, 'join-room', { roomToken: 'ABC-123-XYZ', agentId: 'Ghost' })).ok).toBe(true);
    const renamed = await request(client, 'join-room', { roomToken: 'ABC-123-XYZ', agentId: 'Renamed' });
    expect(renamed).toMatchObject({ ok: false, error: { code: 'ALREADY_JOINED' } });
    const stats = await getJson(`${running.url}/api/room/ABC-123-XYZ/stats`);
    expect(stats.participantCount).toBe(2);
    expect(joins).toEqual([]);
  });
});
