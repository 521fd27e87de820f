import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { ClientEvents, ServerEvents } from '../../src/protocol/events.js';

const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');

/** The text of the `## title` section, up to the next `## ` heading. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/PROTOCOL.md has no "## ${title}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** Event names from the `### \`event\`` headings of a section. */
const eventsIn = (text: string) => [...text.matchAll(/^### `([^`]+)`\s*$/gm)].map((m) => m[1]).sort();

describe('docs/PROTOCOL.md', () => {
  it('documents exactly the client -> server events of src/protocol/events.ts', () => {
    expect(eventsIn(section('Client → server'))).toEqual(Object.values(ClientEvents).sort());
  });

  it('documents exactly the server -> client events of src/protocol/events.ts', () => {
    expect(eventsIn(section('Server → client'))).toEqual(Object.values(ServerEvents).sort());
  });

  it('lists every error code of src/errors.ts once, with its HTTP status', () => {
    const rows = [...section('Error codes').matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    expect(rows.map(([code]) => code).sort()).toEqual(Object.keys(ErrorCodes).sort());
    for (const [code, status] of rows)
      expect(status, String(code)).toBe(ErrorCodes[code as keyof typeof ErrorCodes].status);
  });

  it('names only error codes that exist', () => {
    const mentioned = new Set([...doc.matchAll(/`([A-Z][A-Z_]{3,})`/g)].map((m) => m[1]!));
    const known = new Set(Object.keys(ErrorCodes));
    // Environment variable names are written the same way; they are the ones config.ts reads.
    const unknown = [...mentioned].filter(
      (name) =>
        !known.has(name) && !/^(MAX|DEFAULT|NODE|FRONTEND|PUBLIC|BURN|SOCKET|HTTP|CONNECTIONS|RECOVERY)_/.test(name),
    );
    expect(unknown).toEqual([]);
  });
});
