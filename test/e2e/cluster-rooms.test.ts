import { describe, expect, it } from 'vitest';
import { clientOnWorker, startCluster, type TrackedClient } from '../helpers/cluster.js';
import { collect, eventually, request } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { redisServerBinary } from '../helpers/redis-server.js';

const ROOM = 'CLU-STE-R01';

describe.runIf(redisServerBinary() !== null)('two nodes of two workers each on one Redis', () => {
  it('puts a client on every worker of every node in one room, where everyone hears everyone', async () => {
    const { nodes } = await startCluster({ nodes: 2, workers: 2 });
    const clients: TrackedClient[] = [];
    const names: string[] = [];
    for (const [n, node] of nodes.entries()) {
      const pids = node.workerPids();
      expect(pids).toHaveLength(2);
      for (const [w, pid] of pids.entries()) {
        const client = await clientOnWorker(node, pid);
        expect(node.workerOf(client)).toBe(pid);
        const agentId = `Ghost-${n}-${w}`;
        expect((await request(client, 'join-room', { roomToken: ROOM, agentId })).ok).toBe(true);
        clients.push(client);
        names.push(agentId);
      }
    }
    const heard = clients.map((c) => collect<{ message: string }>(c, 'new-message'));
    for (const [i, client] of clients.entries()) {
      expect((await request(client, 'send-message', { roomToken: ROOM, message: `from ${i}` })).ok).toBe(true);
    }
    const all = clients.map((_, i) => `from ${i}`);
    await eventually(() => heard.every((h) => h.length === all.length), 10_000);
    for (const h of heard) expect(h.map((m) => m.message).sort()).toEqual(all);

    // Every node answers for the whole cluster: totals and room stats come from the shared store.
    for (const node of nodes) {
      expect(await getJson(`${node.url}/api/health`)).toMatchObject({ totalParticipants: 4, activeRooms: 1 });
      const stats = await getJson(`${node.url}/api/room/${ROOM}/stats`);
      expect(stats).toMatchObject({ participantCount: 4, messageCount: 4 });
    }
  });
});
