import { describe, expect, it } from 'vitest';
import { collect, joinedClient, ok, refused, request } from '../helpers/client.js';
import { startCluster } from '../helpers/cluster.js';
import { getJson } from '../helpers/http.js';
import { redisServerBinary } from '../helpers/redis-server.js';
import { SwitchProxy } from '../helpers/switch-proxy.js';
import { listen, nextResume, resumeAcrossAGap, resumingClient } from '../helpers/resuming-client.js';

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
      await resumeAcrossAGap({ proxy, phone, desk, room: ROOM, comesBackTo: second.port });
      // One phone in the room, on every node, at once; its name is its own.
      for (const node of nodes) {
        expect(await getJson(`${node.url}/api/room/${ROOM}/stats`)).toMatchObject({ participantCount: 2 });
      }
      const thief = await joinedClient(first.url, 'RES-UME-CL2', 'Thief');
      expect(await refused(request(thief, 'join-room', { roomToken: ROOM, agentId: 'Phone' }))).toMatchObject({
        code: 'AGENT_TAKEN',
      });
    },
  );

  it(
    'a node killed outright: its clients resume on the other one at once, back under their names',
    { timeout: 180_000 },
    async () => {
      const { nodes } = await startCluster({ nodes: 2, workers: 1, env: { NODE_HEARTBEAT_MS: '20000' } });
      const [doomed, survivor] = [nodes[0]!, nodes[1]!];
      const proxy = await SwitchProxy.start(doomed.port);
      const phone = await resumingClient(proxy.url);
      await phone.join(ROOM, 'Phone');
      const desk = await joinedClient(survivor.url, ROOM, 'Desk');
      const left = collect(desk, 'participant-left');
      const heard = listen(phone);
      proxy.hold();
      proxy.pointTo(survivor.port);
      const sent = await ok(request(desk, 'send-message', { roomToken: ROOM, message: 'meanwhile', ttl: 600 }));
      const resumed = nextResume(phone);
      await doomed.crash();
      proxy.release();
      expect(await resumed).toEqual({ ok: true, rooms: [{ roomToken: ROOM, rejoined: true, recovered: true }] });
      // Said as the node died: the phone has it exactly once, live before the crash or replayed after.
      expect(heard.messages.map((m) => m.id)).toEqual([sent.messageId]);
      expect(left).toEqual([]);
      expect(await getJson(`${survivor.url}/api/room/${ROOM}/stats`)).toMatchObject({ participantCount: 2 });
    },
  );
});
