import { describe, expect, it } from 'vitest';
import { clientOnWorker, startCluster, type ClusterNode } from '../helpers/cluster.js';
import { collect, eventually, nextEvent, ok, request, type Client } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { redisServerBinary } from '../helpers/redis-server.js';

const ROOM = 'DEA-THS-R01';

interface Seat {
  node: ClusterNode;
  pid: number;
  client: Client;
  name: string;
}

/** A client on every worker of every node, all in ROOM. */
async function seatEveryWorker(nodes: ClusterNode[]): Promise<Seat[]> {
  const seats: Seat[] = [];
  for (const [n, node] of nodes.entries()) {
    for (const [w, pid] of node.workerPids().entries()) {
      const client = await clientOnWorker(node, pid);
      const name = `Ghost-${n}-${w}`;
      expect((await request(client, 'join-room', { roomToken: ROOM, agentId: name })).ok).toBe(true);
      seats.push({ node, pid, client, name });
    }
  }
  return seats;
}

/** Each seat sends two messages; resolves with the ids acknowledged, in the order they were sent. */
async function chatter(seats: Seat[], tag: string): Promise<string[]> {
  const acked: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const seat of seats) {
      const ack = await ok(
        request(seat.client, 'send-message', { roomToken: ROOM, message: `${tag} ${seat.name} ${round}` }),
      );
      acked.push(ack.messageId);
    }
  }
  return acked;
}

/** The survivors keep chatting: a message from each reaches every other. */
async function stillChatting(seats: Seat[]): Promise<void> {
  const heard = seats.map((s) => collect(s.client, 'new-message'));
  for (const seat of seats) {
    expect((await request(seat.client, 'send-message', { roomToken: ROOM, message: `after ${seat.name}` })).ok).toBe(
      true,
    );
  }
  await eventually(() => heard.every((h) => h.length === seats.length), 10_000);
}

async function historyIds(node: ClusterNode): Promise<string[]> {
  return (await getJson(`${node.url}/api/room/${ROOM}/messages`)).messages.map((m: { id: string }) => m.id);
}

describe.runIf(redisServerBinary() !== null)('workers and nodes that die (two nodes of two workers)', () => {
  it(
    'replaces a worker killed with -9; its participants leave at once, everything acknowledged stays',
    { timeout: 180_000 },
    async () => {
      // Heartbeats so slow that only the primary, seeing its worker exit, can make them leave in time.
      const { nodes } = await startCluster({ nodes: 2, workers: 2, env: { NODE_HEARTBEAT_MS: '20000' } });
      const seats = await seatEveryWorker(nodes);
      const acked = await chatter(seats, 'before');
      const [victim, ...survivors] = seats;
      const left = survivors.map((s) => nextEvent(s.client, 'participant-left', 10_000));

      await victim!.node.killWorker(victim!.pid);
      for (const event of await Promise.all(left)) expect(event).toEqual({ agentId: victim!.name, roomToken: ROOM });
      await stillChatting(survivors);
      for (const node of nodes) {
        const ids = await historyIds(node);
        expect(ids.filter((id) => acked.includes(id))).toEqual(acked);
        expect((await getJson(`${node.url}/api/room/${ROOM}/stats`)).participantCount).toBe(3);
      }

      // A new worker takes the dead one's place and serves: the name it held is free again.
      const pids = await victim!.node.waitForWorkers(2);
      const replacement = pids.find((pid) => !seats.some((s) => s.pid === pid))!;
      expect(replacement).toBeDefined();
      const back = await clientOnWorker(victim!.node, replacement);
      const joined = nextEvent(survivors[0]!.client, 'participant-joined');
      expect((await request(back, 'join-room', { roomToken: ROOM, agentId: victim!.name })).ok).toBe(true);
      expect(await joined).toMatchObject({ agentId: victim!.name });
      await stillChatting([...survivors, { ...victim!, pid: replacement, client: back }]);
    },
  );

  it(
    "takes a crashed node's participants out within 3 heartbeats; the other node chats on, nothing lost",
    { timeout: 180_000 },
    async () => {
      const { nodes } = await startCluster({ nodes: 2, workers: 2, env: { NODE_HEARTBEAT_MS: '1000' } });
      const seats = await seatEveryWorker(nodes);
      const acked = await chatter(seats, 'before');
      const [alive, dead] = nodes as [ClusterNode, ClusterNode];
      const survivors = seats.filter((s) => s.node === alive);
      const departed = seats.filter((s) => s.node === dead).map((s) => s.name);
      const left = survivors.map((s) => collect(s.client, 'participant-left'));

      await dead.crash();
      await eventually(() => left.every((l) => l.length === departed.length), 15_000);
      for (const l of left) expect(l.map((e) => e.agentId).sort()).toEqual(departed.sort());
      await stillChatting(survivors);
      expect((await historyIds(alive)).filter((id) => acked.includes(id))).toEqual(acked);
      expect(await getJson(`${alive.url}/api/health`)).toMatchObject({ totalParticipants: 2 });
    },
  );
});
