import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { HIGH_CLIENT_LIMITS } from '../helpers/client-limits-env.js';
import { closeAllClients, eventually, joinedClient, ok, request } from '../helpers/client.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { dropPrefix, redisUrl, storeKinds, testPrefix } from '../helpers/stores.js';

const ROOM = 'COA-LES-CE1';
const MESSAGES = 60;

/** Write system calls the process has made so far (`syscw`: write and writev, which libuv writes TCP with). */
function writeCalls(pid: number): number {
  return Number(/^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
}

describe.each(storeKinds())('writes to clients on %s', (store) => {
  let server: ServerProcess | undefined;
  let prefix: string | undefined;
  afterEach(async () => {
    closeAllClients();
    await server?.kill();
    if (prefix) await dropPrefix(redisUrl(), prefix);
  });

  it('sends what one moment tells a client in one write: a message, the one it evicted and the ack', async () => {
    prefix = store === 'redis' ? testPrefix() : undefined;
    server = await spawnServer({
      ...HIGH_CLIENT_LIMITS,
      MAX_ROOM_MESSAGES: '1',
      LOG_LEVEL: 'warn',
      ...(prefix ? { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix } : {}),
    });
    const writer = await joinedClient(server.url, ROOM, 'Writer');
    const reader = await joinedClient(server.url, ROOM, 'Reader');
    const events: string[] = [];
    reader.onAny((event: string, payload: { id?: string; messageId?: string }) => {
      events.push(`${event} ${payload.id ?? payload.messageId}`);
    });
    const sent: string[] = [];
    const writesBefore = writeCalls(server.child.pid!);
    for (let i = 0; i < MESSAGES; i++) {
      sent.push((await ok(request(writer, 'send-message', { roomToken: ROOM, message: `m${i}` }))).messageId);
      await eventually(() => events.length === 2 * i + 1);
    }
    const writesPerMessage = (writeCalls(server.child.pid!) - writesBefore) / MESSAGES;
    // In order: each message after the first evicts the one before it, and the room is told first.
    expect(events).toEqual(
      sent.flatMap((id, i) => [...(i > 0 ? [`message-expired ${sent[i - 1]}`] : []), `new-message ${id}`]),
    );
    // The writer is told three things (the eviction, its message, the ack) and the reader two:
    // five writes apart (measured: 5.0 on memory, 8.2 on Redis, which adds the append and the
    // broadcasts' publishes), two together (2.0, 5.2).
    expect(writesPerMessage).toBeLessThanOrEqual(store === 'memory' ? 3 : 6.5);
  });
});
