import { describe, expect, it } from 'vitest';
import { afterThisTest } from '../helpers/cleanup.js';
import { collect, eventually, joinedClient, ok, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { spawnServer } from '../helpers/process.js';
import { startServer } from '../helpers/server.js';
import { dropPrefix, redisUrl, storeKinds, testPrefix } from '../helpers/stores.js';

const ROOM = 'RES-TAR-T01';

describe.runIf(storeKinds().includes('redis'))('restart on Redis', () => {
  const prefix = testPrefix();

  it('keeps messages, their order and their expiry across a crash of the only server', async () => {
    const env = { EXPIRY_POLL_MS: '50', BURN_AFTER_READ_SECONDS: '1' };
    // Runs last, once both servers are gone.
    afterThisTest(() => dropPrefix(redisUrl(), prefix));
    const first = await spawnServer({ ...env, REDIS_URL: redisUrl(), REDIS_PREFIX: prefix });
    afterThisTest(() => first.kill());
    const before = await joinedClient(first.url, ROOM, 'Before');
    const shortLived = await ok(request(before, 'send-message', { roomToken: ROOM, message: 'dies soon', ttl: 3 }));
    const longLived = await ok(request(before, 'send-message', { roomToken: ROOM, message: 'stays', ttl: 3600 }));
    const burn = await ok(request(before, 'send-message', { roomToken: ROOM, message: 'burn when read', ttl: 0 }));
    await first.kill('SIGKILL');

    const second = await startServer({ store: 'redis', prefix, keepData: true, env });
    const after = await joinedClient(second.url, ROOM, 'After');
    const expired = collect(after, 'message-expired');
    const history = await getJson(`${second.url}/api/room/${ROOM}/messages`);
    expect(history.messages.map((m: { message: string }) => m.message)).toEqual([
      'dies soon',
      'stays',
      'burn when read',
    ]);
    // After joining (a client that takes delivery as reading) burns the ttl-0 message; the ttl-3 one expires on its own.
    await eventually(() => expired.length === 2, 8000);
    expect(expired.map((e) => e.messageId).sort()).toEqual([shortLived.messageId, burn.messageId].sort());
    const left = await getJson(`${second.url}/api/room/${ROOM}/messages`);
    expect(left.messages.map((m: { id: string }) => m.id)).toEqual([longLived.messageId]);
  });
});
