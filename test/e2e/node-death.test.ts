import { describe, expect, it } from 'vitest';
import { afterThisTest } from '../helpers/cleanup.js';
import { collect, eventually, joinedClient, nextEvent, ok, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { spawnServer } from '../helpers/process.js';
import { startServer } from '../helpers/server.js';
import { dropPrefix, redisUrl, storeKinds, testPrefix } from '../helpers/stores.js';

const ROOM = 'DIE-123-XYZ';

describe.runIf(storeKinds().includes('redis'))('a node dying (Redis)', () => {
  const prefix = testPrefix();

  it("takes a killed node's participants out of their rooms and keeps expiring its messages", async () => {
    const env = { NODE_HEARTBEAT_MS: '200', EXPIRY_POLL_MS: '50' };
    // Runs last, once both nodes are gone.
    afterThisTest(() => dropPrefix(redisUrl(), prefix));
    const doomed = await spawnServer({ ...env, REDIS_URL: redisUrl(), REDIS_PREFIX: prefix });
    afterThisTest(() => doomed.kill());
    const survivor = await startServer({ store: 'redis', prefix, keepData: true, env });
    const watcher = await joinedClient(survivor.url, ROOM, 'Watcher');
    const victim = await joinedClient(doomed.url, ROOM, 'Victim');
    const expired = collect(watcher, 'message-expired');
    const sent = await ok(request(victim, 'send-message', { roomToken: ROOM, message: 'outlives its node', ttl: 2 }));
    const left = nextEvent(watcher, 'participant-left', 8000);
    await doomed.kill('SIGKILL');
    expect(await left).toEqual({ agentId: 'Victim', roomToken: ROOM });
    expect((await getJson(`${survivor.url}/api/room/${ROOM}/stats`)).participantCount).toBe(1);
    // The dead node's name is free again, and its message still expires on time, from the survivor.
    const again = await joinedClient(survivor.url, ROOM, 'Victim');
    expect(again.connected).toBe(true);
    await eventually(() => expired.length === 1, 6000);
    expect(expired[0]).toEqual({ messageId: sent.messageId, roomToken: ROOM });
  });
});
