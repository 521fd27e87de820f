import { describe, expect, it } from 'vitest';
import { startCluster } from '../helpers/cluster.js';
import { collect, eventually, joinedClient, request, openPollingClient } from '../helpers/client.js';
import { getJson } from '../helpers/http.js';
import { makeImage, upload } from '../helpers/images.js';
import { nginxBinary, startNginx } from '../helpers/nginx.js';
import { redisServerBinary } from '../helpers/redis-server.js';

const ROOM = 'PRO-XYN-GX1';

// The proxy configuration of docs/OPERATIONS.md ("Scaling") and docker-compose.yml, for real.
describe.runIf(redisServerBinary() !== null && nginxBinary() !== null)('deploy/nginx/ghostchat.conf', () => {
  it('carries WebSocket upgrades, sticky long-polling and uploads to two nodes', { timeout: 180_000 }, async () => {
    const { nodes } = await startCluster({ nodes: 2, workers: 1 });
    const proxy = await startNginx(nodes.map((n) => `127.0.0.1:${n.port}`));

    const viaWebSocket = await joinedClient(proxy.url, ROOM, 'Upgraded');
    const viaPolling = await openPollingClient(proxy.url);
    expect((await request(viaPolling, 'join-room', { roomToken: ROOM, agentId: 'Polling' })).ok).toBe(true);
    const direct = [
      await joinedClient(nodes[0]!.url, ROOM, 'Direct-0'),
      await joinedClient(nodes[1]!.url, ROOM, 'Direct-1'),
    ];
    const everyone = [viaWebSocket, viaPolling, ...direct];
    const heard = everyone.map((c) => collect(c, 'new-message'));
    for (const [i, client] of everyone.entries()) {
      expect((await request(client, 'send-message', { roomToken: ROOM, message: `hello ${i}` })).ok).toBe(true);
    }
    await eventually(() => heard.every((h) => h.length === everyone.length), 10_000);

    const image = await makeImage('png');
    const uploaded = await upload(proxy.url, image, { ttl: 600 });
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({ success: true });
    expect(await getJson(`${proxy.url}/api/health`)).toMatchObject({ status: 'ok', totalParticipants: 4 });
  });
});
