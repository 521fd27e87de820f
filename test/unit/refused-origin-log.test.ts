import { describe, expect, it } from 'vitest';
import { RefusedOriginLog } from '../../src/realtime/refused-origin-log.js';
import { captureLog } from '../helpers/log-capture.js';

describe('RefusedOriginLog', () => {
  function subject(maxOrigins = 3) {
    const captured = captureLog('info');
    let now = 0;
    const refusals = new RefusedOriginLog(captured.log, {
      windowMs: 60_000,
      maxOrigins,
      maxLength: 40,
      now: () => now,
    });
    return { captured, refusals, advance: (ms: number) => (now += ms) };
  }

  it('logs an origin once per window, and again once the window has passed', () => {
    const { captured, refusals, advance } = subject();
    refusals.refused('https://evil.example');
    advance(59_999);
    refusals.refused('https://evil.example');
    advance(1);
    refusals.refused('https://evil.example');
    expect(captured.lines.map((l) => l.origin)).toEqual(['https://evil.example', 'https://evil.example']);
  });

  it('remembers a bounded set of origins and says once per window that more were refused', () => {
    const { captured, refusals, advance } = subject(3);
    for (let i = 0; i < 50; i++) refusals.refused(`https://a${i}.example`);
    expect(captured.lines.map((l) => l.event)).toEqual([
      'handshake-origin-refused',
      'handshake-origin-refused',
      'handshake-origin-refused',
      'handshake-origin-refused-many',
    ]);
    // Once the window has passed, room is made for new origins again.
    advance(60_000);
    refusals.refused('https://late.example');
    expect(captured.lines.at(-1)).toMatchObject({ origin: 'https://late.example' });
  });

  it('cuts a long forged origin', () => {
    const { captured, refusals } = subject();
    refusals.refused(`https://${'x'.repeat(10_000)}.example`);
    expect(captured.lines[0]!.origin).toHaveLength(40);
  });
});
