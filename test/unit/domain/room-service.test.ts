import { describe, expect, it } from 'vitest';
import { memoryDomain, START } from '../../helpers/domain.js';

const ROOM = 'ABC-123-XYZ';

describe('RoomService on the memory stores', () => {
  it('lets one name into a room once, per connection, and says who is there', async () => {
    const { rooms } = memoryDomain();
    expect(await rooms.join(ROOM, 'c1', 'Ghost')).toEqual({ participants: ['Ghost'], isNew: true });
    expect(await rooms.join(ROOM, 'c2', 'Shadow')).toEqual({ participants: ['Ghost', 'Shadow'], isNew: true });
    // The same connection joining again under the same name: no news for the room.
    expect(await rooms.join(ROOM, 'c1', 'Ghost')).toEqual({ participants: ['Ghost', 'Shadow'], isNew: false });
    await expect(rooms.join(ROOM, 'c3', 'Ghost')).rejects.toMatchObject({ code: 'AGENT_TAKEN' });
    await expect(rooms.join(ROOM, 'c1', 'Other')).rejects.toMatchObject({ code: 'ALREADY_JOINED' });
    // Another room is another namespace.
    expect((await rooms.join('DEF-456-UVW', 'c3', 'Ghost')).isNew).toBe(true);
  });

  it('frees a name when its connection leaves, and leaving twice is harmless', async () => {
    const { rooms } = memoryDomain();
    await rooms.join(ROOM, 'c1', 'Ghost');
    expect(await rooms.leave(ROOM, 'c1')).toBe('Ghost');
    expect(await rooms.leave(ROOM, 'c1')).toBeNull();
    expect((await rooms.join(ROOM, 'c2', 'Ghost')).isNew).toBe(true);
  });

  it('counts participants and messages and dates the room from its first join, by the clock', async () => {
    const { rooms, messages, clock } = memoryDomain();
    expect(await rooms.stats(ROOM)).toEqual({ roomToken: ROOM, participantCount: 0, messageCount: 0, createdAt: null });
    await rooms.join(ROOM, 'c1', 'Ghost');
    clock.advance(5_000);
    await rooms.join(ROOM, 'c2', 'Shadow');
    await messages.sendText({ roomToken: ROOM, agentId: 'Ghost' }, 'hello', 60);
    expect(await rooms.stats(ROOM)).toEqual({
      roomToken: ROOM,
      participantCount: 2,
      messageCount: 1,
      createdAt: new Date(START).toISOString(),
    });
    expect(await rooms.totals()).toEqual({ activeRooms: 1, totalParticipants: 2 });
  });
});
