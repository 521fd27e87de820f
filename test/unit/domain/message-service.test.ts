import { describe, expect, it } from 'vitest';
import { memoryDomain, POLICY, START, wholeHistory } from '../../helpers/domain.js';

const ROOM = 'ABC-123-XYZ';
const ghost = { roomToken: ROOM, agentId: 'Ghost' };

describe('MessageService on the memory stores', () => {
  it('stores a text message under the sender it joined as, with the default TTL, stamped by the clock', async () => {
    const { messages } = memoryDomain();
    const sent = await messages.sendText(ghost, 'hello', undefined);
    expect(sent).toEqual({
      id: `msg_${START}_0000000000000000`,
      type: 'text',
      message: 'hello',
      sender: 'Ghost',
      timestamp: new Date(START).toISOString(),
      ttl: POLICY.defaultTtlSeconds,
      roomToken: ROOM,
    });
    expect(await wholeHistory(messages, ROOM)).toEqual([sent]);
  });

  it('keeps history in the order sent and forgets each message at its deadline', async () => {
    const { messages, clock } = memoryDomain();
    const short = await messages.sendText(ghost, 'short', 10);
    const long = await messages.sendText(ghost, 'long', 60);
    expect((await wholeHistory(messages, ROOM)).map((m) => m.id)).toEqual([short.id, long.id]);
    clock.advance(10_000);
    expect((await wholeHistory(messages, ROOM)).map((m) => m.id)).toEqual([long.id]);
  });

  it('keeps an unread burn-after-reading message; reading the history starts its burn and says so', async () => {
    const { messages, clock, emitted, expiry } = memoryDomain();
    const secret = await messages.sendText(ghost, 'read me once', 0);
    // Only its sender is in the room: nobody read it, nothing burns.
    expect(emitted).toEqual([]);
    clock.advance(60_000);
    expect(await wholeHistory(messages, ROOM)).toEqual([secret]);
    const burnAt = clock.now() + POLICY.burnAfterReadSeconds * 1000;
    expect(emitted).toEqual([
      { event: 'messagesBurning', payload: { roomToken: ROOM, messageIds: [secret.id], burnAt } },
    ]);
    // Reading again does not restart the burn.
    clock.advance(10_000);
    await wholeHistory(messages, ROOM);
    expect(emitted).toHaveLength(1);
    clock.advance(POLICY.burnAfterReadSeconds * 1000 - 10_000);
    expect(await expiry.runOnce()).toBe(1);
    expect(await wholeHistory(messages, ROOM)).toEqual([]);
  });

  it('burns a burn-after-reading message at once when someone besides the sender receives it live', async () => {
    const { messages, rooms, emitted } = memoryDomain();
    await rooms.join(ROOM, 'c1', 'Ghost');
    await rooms.join(ROOM, 'c2', 'Reader');
    const secret = await messages.sendText(ghost, 'seen live', 0);
    expect(emitted).toEqual([
      {
        event: 'messagesBurning',
        payload: { roomToken: ROOM, messageIds: [secret.id], burnAt: START + POLICY.burnAfterReadSeconds * 1000 },
      },
    ]);
  });

  it('answers the reader even when a subscriber to the burn fails, and logs that without the room', async () => {
    const { messages, events, log } = memoryDomain();
    events.subscribe('images', {
      messagesBurning: async () => {
        throw new Error('image store down');
      },
    });
    const secret = await messages.sendText(ghost, 'read me once', 0);
    expect(await wholeHistory(messages, ROOM)).toEqual([secret]);
    expect(log.at(40)).toEqual([
      expect.objectContaining({ event: 'domain-hook-failed', domainEvent: 'messagesBurning', subscriber: 'images' }),
    ]);
    expect(log.text()).not.toContain(ROOM);
  });

  it('removes a message at once, once', async () => {
    const { messages } = memoryDomain();
    const sent = await messages.sendText(ghost, 'gone soon', 60);
    expect(await messages.remove(ROOM, sent.id)).toBe(true);
    expect(await messages.remove(ROOM, sent.id)).toBe(false);
    expect(await wholeHistory(messages, ROOM)).toEqual([]);
  });
});
