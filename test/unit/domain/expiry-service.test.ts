import { describe, expect, it } from 'vitest';
import { memoryDomain } from '../../helpers/domain.js';

const ROOM = 'ABC-123-XYZ';
const ghost = { roomToken: ROOM, agentId: 'Ghost' };

describe('ExpiryService on the memory stores', () => {
  it('announces nothing before a deadline and each expired message once after it, with its lag', async () => {
    const { messages, expiry, clock, emitted } = memoryDomain();
    const sent = await messages.sendText(ghost, 'ten seconds', 10);
    clock.advance(9_999);
    expect(await expiry.runOnce()).toBe(0);
    clock.advance(251);
    expect(await expiry.runOnce()).toBe(1);
    expect(await expiry.runOnce()).toBe(0);
    expect(emitted).toEqual([
      { event: 'messageExpired', payload: { roomToken: ROOM, messageId: sent.id, cause: 'deadline', lagMs: 250 } },
    ]);
  });

  it('claims a backlog larger than one batch in one pass', async () => {
    const { messages, expiry, clock, emitted } = memoryDomain();
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await messages.sendText(ghost, `m${i}`, 1));
    clock.advance(1_000);
    // The batch size is 2 here: three store calls, one pass.
    expect(await expiry.runOnce()).toBe(5);
    // Same deadline: in no particular order, each once.
    expect(emitted.map((e) => e.payload)).toHaveLength(5);
    expect(emitted.map((e) => e.payload)).toEqual(
      expect.arrayContaining(sent.map((m) => ({ roomToken: ROOM, messageId: m.id, cause: 'deadline', lagMs: 0 }))),
    );
  });

  it('keeps announcing to the others when one subscriber throws', async () => {
    const { messages, expiry, clock, events, log } = memoryDomain();
    const told: string[] = [];
    events.subscribe('broken', {
      messageExpired: () => {
        throw new Error('broken subscriber');
      },
    });
    events.subscribe('gateway', { messageExpired: ({ messageId }) => void told.push(messageId) });
    const sent = await messages.sendText(ghost, 'x', 1);
    clock.advance(1_000);
    expect(await expiry.runOnce()).toBe(1);
    expect(told).toEqual([sent.id]);
    expect(log.at(40)).toEqual([expect.objectContaining({ subscriber: 'broken', domainEvent: 'messageExpired' })]);
  });
});
