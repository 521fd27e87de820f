import { describe, expect, it } from 'vitest';
import { failureLog } from '../../src/lib/failure-log.js';
import { captureLog } from '../helpers/log-capture.js';

describe('failureLog', () => {
  it('warns when failures start, reminds once per interval while they last, and says when they end', () => {
    const captured = captureLog('info');
    let now = 0;
    const reporter = failureLog(captured.log, {
      event: 'expiry',
      what: 'message expiry pass',
      remindEveryMs: 60_000,
      now: () => now,
    });
    const down = new Error('Storage is unavailable');
    for (let streak = 1; streak <= 600; streak++) {
      reporter.failed(down, streak);
      now += 250; // 600 failures over two and a half minutes
    }
    reporter.recovered?.(600);
    expect(captured.lines.map((l) => [l.level, l.event, l.failures])).toEqual([
      [40, 'expiry-failed', undefined],
      [40, 'expiry-failed', 241],
      [40, 'expiry-failed', 481],
      [30, 'expiry-recovered', 600],
    ]);
    expect(captured.lines.at(-1)).toMatchObject({ afterMs: 150_000 });
    // A new outage is a new first warning.
    reporter.failed(down, 1);
    expect(captured.lines.at(-1)).toMatchObject({
      level: 40,
      event: 'expiry-failed',
      msg: expect.stringMatching(/back-off/),
    });
  });
});
