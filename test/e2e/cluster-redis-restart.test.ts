import { describe, expect, it } from 'vitest';
import { clientOnWorker, startCluster } from '../helpers/cluster.js';
import { collect, eventually, ok, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { redisServerBinary } from '../helpers/redis-server.js';

const ROOM = 'RED-RES-T01';

describe.runIf(redisServerBinary() !== null)('Redis restarted under two nodes of two workers', () => {
  it(
    'keeps messages and their expiry schedule where Redis persists, and the rooms go on',
    { timeout: 180_000 },
    async () => {
      const { nodes, redis } = await startCluster({
        nodes: 2,
        workers: 2,
        env: { EXPIRY_POLL_MS: '50', NODE_HEARTBEAT_MS: '500' },
        redis: { persist: true },
      });
      const [a, b] = nodes;
      const first = await clientOnWorker(a!, a!.workerPids()[0]!);
      const second = await clientOnWorker(b!, b!.workerPids()[1]!);
      for (const [client, name] of [
        [first, 'First'],
        [second, 'Second'],
      ] as const) {
        expect((await request(client, 'join-room', { roomToken: ROOM, agentId: name })).ok).toBe(true);
      }
      const expired = collect(second, 'message-expired');
      const stays = await ok(request(first, 'send-message', { roomToken: ROOM, message: 'stays', ttl: 3600 }));
      // Due a few seconds from now: after the restart, so only a schedule that survived expires it.
      const goes = await ok(request(first, 'send-message', { roomToken: ROOM, message: 'goes', ttl: 6 }));

      const left = [first, second].map((c) => collect(c, 'participant-left'));
      await redis.stop();
      await eventually(async () => (await getJson(`${a!.url}/api/health`)).redis === 'disconnected', 10_000);
      // Down for longer than 3 heartbeats (1.5 s): no node could beat meanwhile, and none may take
      // the others for dead once Redis is back. Nothing to wait for but time.
      await new Promise((r) => setTimeout(r, 2500));
      await redis.start();
      for (const node of nodes) {
        await eventually(async () => (await getJson(`${node.url}/api/health`)).status === 'ok', 15_000);
      }

      const history = await getJson(`${b!.url}/api/room/${ROOM}/messages`);
      expect(history.messages.map((m: { id: string }) => m.id)).toEqual([stays.messageId, goes.messageId]);
      await eventually(() => expired.length === 1, 15_000);
      expect(expired[0]!.messageId).toBe(goes.messageId);
      const heard = collect(first, 'new-message');
      expect((await request(second, 'send-message', { roomToken: ROOM, message: 'still here' })).ok).toBe(true);
      await eventually(() => heard.length === 1, 10_000);
      expect(await getJson(`${a!.url}/api/room/${ROOM}/stats`)).toMatchObject({ participantCount: 2, messageCount: 2 });
      // Nobody left: every worker of every node was alive all along.
      expect(left.flat()).toEqual([]);
    },
  );
});
