import { describe, expect, it } from 'vitest';
import { startCluster } from '../helpers/cluster.js';
import { openClient } from '../helpers/client.js';
import { redisServerBinary } from '../helpers/redis-server.js';

// The primary reads a connection's first bytes to route it, then hands it to a worker. Node leaves
// a handed-on socket reading in the primary until the worker acknowledges it and drops what it
// reads meanwhile: on a busy machine that was the client's socket.io CONNECT, and the client waited
// 45 s for an answer that never came.
describe.runIf(redisServerBinary() !== null)('a node of two workers', () => {
  it('connects every client of a long run of connections, none left waiting', { timeout: 300_000 }, async () => {
    // All from one address: its limit on new connections per minute is not what this is about.
    const { nodes } = await startCluster({
      nodes: 1,
      workers: 2,
      env: { CONNECTIONS_PER_ADDRESS_PER_MINUTE: '100000' },
    });
    const url = nodes[0]!.url;
    let connected = 0;
    for (let round = 0; round < 40; round++) {
      const clients = await Promise.all(Array.from({ length: 10 }, () => openClient(url)));
      connected += clients.filter((c) => c.connected).length;
      for (const client of clients) client.disconnect();
    }
    expect(connected).toBe(400);
  });
});
