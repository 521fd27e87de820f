import { describe, expect, it } from 'vitest';
import { clientOnWorker, startCluster, type TrackedClient } from '../helpers/cluster.js';
import { asText, collect, eventually, request, type Client, openPollingClient } from '../helpers/client.js';
import { getJson, http } from '../helpers/http.js';
import { freePort, redisServerBinary } from '../helpers/redis-server.js';

const ROOM = 'CLU-STE-R01';
const TOKEN = 'metrics-token-for-tests-0123456789';

/** The value of one sample line, e.g. `ghostchat_rooms 2`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.runIf(redisServerBinary() !== null)('two nodes of two workers each on one Redis', () => {
  it(
    'puts a client on every worker of every node in one room, where everyone hears everyone',
    { timeout: 180_000 },
    async () => {
      // Node 0 serves /metrics on a port of its own, node 1 on its public port behind the token.
      const metricsPort = await freePort();
      const { nodes } = await startCluster({
        nodes: 2,
        workers: 2,
        env: { METRICS_TOKEN: TOKEN },
        nodeEnv: async (i): Promise<Record<string, string>> => (i === 0 ? { METRICS_PORT: String(metricsPort) } : {}),
      });
      const clients: Client[] = [];
      for (const [n, node] of nodes.entries()) {
        const pids = node.workerPids();
        expect(pids).toHaveLength(2);
        for (const [w, pid] of pids.entries()) {
          const client: TrackedClient = await clientOnWorker(node, pid);
          expect(node.workerOf(client)).toBe(pid);
          expect((await request(client, 'join-room', { roomToken: ROOM, agentId: `Ghost-${n}-${w}` })).ok).toBe(true);
          clients.push(client);
        }
      }
      // Long-polling across workers works only if each of its requests reaches the worker that holds
      // its session: the primary routes them by session id.
      const poller = await openPollingClient(nodes[0]!.url);
      expect((await request(poller, 'join-room', { roomToken: ROOM, agentId: 'Poller' })).ok).toBe(true);
      clients.push(poller);

      const heard = clients.map((c) => collect(c, 'new-message'));
      for (const [i, client] of clients.entries()) {
        expect((await request(client, 'send-message', { roomToken: ROOM, message: `from ${i}` })).ok).toBe(true);
      }
      const all = clients.map((_, i) => `from ${i}`).sort();
      await eventually(() => heard.every((h) => h.length === all.length), 10_000);
      for (const h of heard) expect(h.map((m) => asText(m).message).sort()).toEqual(all);

      // Every node answers for the whole cluster: totals and room stats come from the shared store.
      for (const node of nodes) {
        expect(await getJson(`${node.url}/api/health`)).toMatchObject({ totalParticipants: 5, activeRooms: 1 });
        expect(await getJson(`${node.url}/api/room/${ROOM}/stats`)).toMatchObject({
          participantCount: 5,
          messageCount: 5,
        });
      }
      // /metrics is the node's (all its workers'), on METRICS_PORT as behind the token on PORT, whichever
      // worker is asked: its own connections and messages summed, the shared totals counted once.
      const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };
      const scrapes = [
        await http(`http://127.0.0.1:${metricsPort}/metrics`, auth),
        await http(`${nodes[1]!.url}/metrics`, auth),
      ];
      for (const [i, scrape] of scrapes.entries()) {
        expect(scrape.status).toBe(200);
        const text = scrape.body as string;
        expect(sample(text, 'ghostchat_connections')).toBe(i === 0 ? 3 : 2);
        expect(sample(text, 'ghostchat_messages_sent_total{type="text"}')).toBe(i === 0 ? 3 : 2);
        expect(sample(text, 'ghostchat_participants')).toBe(5);
        expect(sample(text, 'ghostchat_rooms')).toBe(1);
        expect(sample(text, 'ghostchat_store_up')).toBe(1);
      }
    },
  );
});
