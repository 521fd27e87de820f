import { describe, expect, it } from 'vitest';
import { asText, collect, eventually, joinedClient, nextEvent, ok, refused, request } from '../helpers/client.js';
import { startCluster } from '../helpers/cluster.js';
import { getJson } from '../helpers/http.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { SwitchProxy } from '../helpers/switch-proxy.js';
import { listen, nextResume, resumingClient } from '../helpers/resuming-client.js';

const ROOM = 'RES-UME-CL1';

describe.runIf(redisServerBinary() !== null)('resuming on another node (two nodes, one private Redis)', () => {
  it(
    'a phone whose network changed lands on the other node: the gap in order, the expiry of what it held, its name',
    { timeout: 180_000 },
    async () => {
      // Heartbeats far apart: the earlier connection's presence would linger for a minute on its
      // own, so a room that shows the phone once, right away, shows it was replaced, not reaped.
      const { nodes } = await startCluster({ nodes: 2, workers: 1, env: { NODE_HEARTBEAT_MS: '20000' } });
      const [first, second] = [nodes[0]!, nodes[1]!];
      const proxy = await SwitchProxy.start(first.port);
      const phone = await resumingClient(proxy.url);
      await phone.join(ROOM, 'Phone');
      const desk = await joinedClient(second.url, ROOM, 'Desk');
      const left = collect(desk, 'participant-left');
      const heard = listen(phone);

      const short = await ok(request(desk, 'send-message', { roomToken: ROOM, message: 'short', ttl: 1 }));
      await ok(request(desk, 'send-message', { roomToken: ROOM, message: 'kept', ttl: 600 }));
      await eventually(() => heard.messages.length === 2, 10_000);

      proxy.cut({ hold: true });
      proxy.pointTo(second.port);
      expect((await nextEvent(desk, 'message-expired', 15_000)).messageId).toBe(short.messageId);
      const missed: string[] = [];
      for (const text of ['one', 'two', 'three']) {
        missed.push((await ok(request(desk, 'send-message', { roomToken: ROOM, message: text, ttl: 600 }))).messageId);
      }
      const resumed = nextResume(phone);
      proxy.release();

      expect(await resumed).toEqual({ ok: true, rooms: [{ roomToken: ROOM, rejoined: true, recovered: true }] });
      expect(heard.messages.slice(2).map((m) => m.id)).toEqual(missed);
      expect(heard.messages.slice(2).map((m) => asText(m).message)).toEqual(['one', 'two', 'three']);
      expect(heard.expired).toEqual([short.messageId]);
      expect(new Set(heard.messages.map((m) => m.id)).size).toBe(heard.messages.length);
      // One phone in the room, on every node, at once; nobody saw it leave; its name is its own.
      expect(left).toEqual([]);
      for (const node of nodes) {
        expect(await getJson(`${node.url}/api/room/${ROOM}/stats`)).toMatchObject({ participantCount: 2 });
      }
      const thief = await joinedClient(first.url, 'RES-UME-CL2', 'Thief');
      expect(await refused(request(thief, 'join-room', { roomToken: ROOM, agentId: 'Phone' }))).toMatchObject({
        code: 'AGENT_TAKEN',
      });
      const fromPhone = nextEvent(desk, 'new-message');
      await phone.send(ROOM, 'back on the other node', 600);
      expect(await fromPhone).toMatchObject({ sender: 'Phone', message: 'back on the other node' });
    },
  );
});
