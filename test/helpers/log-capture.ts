import pino, { type Logger } from 'pino';
import { createLogger } from '../../src/logger.js';

/** One parsed pino line: `level` (30 info, 40 warn, 50 error), `msg`, `event` and the other fields. */
export type LogLine = Record<string, any> & { level: number; msg?: string; event?: string };

export interface CapturedLog {
  log: Logger;
  /** Every line written so far, parsed, in order. */
  readonly lines: LogLine[];
  /** The lines at `level` (e.g. 40 for warn). */
  at(level: number): LogLine[];
  /** The raw text written so far, for checks that nothing private was logged. */
  text(): string;
}

/** A pino logger writing JSON lines into memory, as the server's would go to stdout. */
export function captureLog(level: pino.LevelWithSilent = 'info'): CapturedLog {
  return capture((destination) => pino({ level, base: undefined }, destination));
}

/** The server's own logger (src/logger.ts: its redaction included), as production builds it, into memory. */
export function captureServerLog(level: pino.LevelWithSilent): CapturedLog {
  return capture((destination) => createLogger({ logLevel: level, nodeEnv: 'production' }, destination));
}

function capture(build: (destination: { write(line: string): void }) => Logger): CapturedLog {
  const lines: LogLine[] = [];
  let text = '';
  const log = build({
    write(line: string) {
      text += line;
      lines.push(JSON.parse(line) as LogLine);
    },
  });
  return { log, lines, at: (l) => lines.filter((line) => line.level === l), text: () => text };
}

/** Parses a process's JSON log output (one object per line; other lines are skipped). */
export function parseLogLines(output: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // a partial line still being written
    }
  }
  return lines;
}
