import { describe, expect, it } from 'vitest';
import { remaining, ttlChoices } from '../../web/ttl-choices.js';

describe("the page's TTL picker", () => {
  const seconds = (limits: { maxTtlSeconds: number; defaultTtlSeconds: number }) =>
    ttlChoices(limits).map((c) => c.seconds);

  it('offers burn after reading, 30 s, 5 min, 1 h and 24 h under the default limits', () => {
    expect(ttlChoices({ maxTtlSeconds: 86_400, defaultTtlSeconds: 86_400 }).map((c) => c.label)).toEqual([
      'Burn after reading',
      '30 seconds',
      '5 minutes',
      '1 hour',
      '24 hours',
    ]);
  });

  it('offers nothing above MAX_TTL, and adds the server maximum and default when they are not standard', () => {
    expect(seconds({ maxTtlSeconds: 600, defaultTtlSeconds: 600 })).toEqual([0, 30, 300, 600]);
    expect(seconds({ maxTtlSeconds: 3, defaultTtlSeconds: 3 })).toEqual([0, 3]);
    expect(seconds({ maxTtlSeconds: 7 * 86_400, defaultTtlSeconds: 90 })).toEqual([
      0, 30, 90, 300, 3600, 86_400, 604_800,
    ]);
    expect(seconds({ maxTtlSeconds: 3600, defaultTtlSeconds: 0 })).toEqual([0, 30, 300, 3600]);
  });

  it('counts down in whole seconds and never below zero', () => {
    expect([7_000, 299_001, 3_600_000, 86_400_000, -5].map(remaining)).toEqual([
      '0:07',
      '5:00',
      '1:00:00',
      '24 h',
      '0:00',
    ]);
  });
});
