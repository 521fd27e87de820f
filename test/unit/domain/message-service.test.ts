import { describe, expect, it } from 'vitest';
import { connectionId } from '../../../src/domain/connection-id.js';
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

  it('keeps an unread burn-after-reading message: neither its sender nor the history reads it', async () => {
    const { messages, rooms, emitted } = memoryDomain();
    await rooms.join(ROOM, 'n#sender', 'Ghost');
    const secret = await messages.sendText(ghost, 'read me once', 0);
    // Only its sender is in the room: nobody read it, nothing burns.
    expect(await wholeHistory(messages, ROOM)).toEqual([secret]);
    expect(await messages.reveal(ghost, secret.id)).toEqual({ message: secret, burnsAt: null });
    await messages.joined(ghost, 'n#sender');
    expect(emitted).toEqual([]);
  });

  it('burns a burn-after-reading message at once when a member who takes delivery as reading receives it live', async () => {
    const { messages, rooms, emitted } = memoryDomain();
    await rooms.join(ROOM, 'n#c1', 'Ghost');
    await rooms.join(ROOM, 'n#c2', 'Reader');
    const secret = await messages.sendText(ghost, 'seen live', 0);
    expect(emitted).toEqual([
      {
        event: 'messagesBurning',
        payload: { roomToken: ROOM, messageIds: [secret.id], burnAt: START + POLICY.burnAfterReadSeconds * 1000 },
      },
    ]);
  });

  it('does not burn on delivery to members who reveal messages themselves; their reveal burns it, once', async () => {
    const { messages, rooms, emitted, clock } = memoryDomain();
    await rooms.join(ROOM, connectionId('n', 'c1', false), 'Ghost');
    await rooms.join(ROOM, connectionId('n', 'c2', true), 'Reader');
    const secret = await messages.sendText(ghost, 'tap to reveal', 0);
    await messages.joined({ roomToken: ROOM, agentId: 'Late' }, connectionId('n', 'c3', true));
    expect(emitted).toEqual([]);
    clock.advance(1_000);
    const burnsAt = clock.now() + POLICY.burnAfterReadSeconds * 1000;
    expect(await messages.reveal({ roomToken: ROOM, agentId: 'Reader' }, secret.id)).toEqual({
      message: secret,
      burnsAt,
    });
    clock.advance(1_000);
    // A second reader (and the sender) see the same deadline: the burn started once.
    expect((await messages.reveal({ roomToken: ROOM, agentId: 'Late' }, secret.id)).burnsAt).toBe(burnsAt);
    expect((await messages.reveal(ghost, secret.id)).burnsAt).toBe(burnsAt);
    expect(emitted).toHaveLength(1);
  });

  it('burns what others left unread when a member who takes delivery as reading joins, not its own', async () => {
    const { messages, emitted } = memoryDomain();
    const theirs = await messages.sendText(ghost, 'for whoever comes', 0);
    const own = await messages.sendText({ roomToken: ROOM, agentId: 'Reader' }, 'mine, sent earlier', 0);
    await messages.sendText(ghost, 'not burn after reading', 60);
    await messages.joined({ roomToken: ROOM, agentId: 'Reader' }, 'n#c2');
    expect(emitted).toEqual([
      {
        event: 'messagesBurning',
        payload: { roomToken: ROOM, messageIds: [theirs.id], burnAt: START + POLICY.burnAfterReadSeconds * 1000 },
      },
    ]);
    expect((await messages.reveal({ roomToken: ROOM, agentId: 'Reader' }, own.id)).burnsAt).toBeNull();
  });

  it('answers a reveal of a message that is gone with NOT_FOUND', async () => {
    const { messages } = memoryDomain();
    await expect(messages.reveal(ghost, 'msg_1_0000000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers the reader even when a subscriber to the burn fails, and logs that without the room', async () => {
    const { messages, events, log } = memoryDomain();
    events.subscribe('images', {
      messagesBurning: async () => {
        throw new Error('image store down');
      },
    });
    const secret = await messages.sendText(ghost, 'read me once', 0);
    expect((await messages.reveal({ roomToken: ROOM, agentId: 'Reader' }, secret.id)).message).toEqual(secret);
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
