import { afterEach, describe, expect, it } from 'vitest';
import { closeAllClients, eventually, openClient, type Client } from '../helpers/client.js';
import { getJson, http } from '../helpers/http.js';
import { parseLogLines } from '../helpers/log-capture.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';

// Every connection holds a file descriptor. A process at its open-files limit cannot accept, nor
// take a connection its cluster primary hands it: clients hang instead of being refused, and the
// server cannot open anything else (Redis, an image) either.
describe('MAX_CONNECTIONS above what the open-files limit allows', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    closeAllClients();
    await server?.kill();
  });

  it(
    'is lowered to fit, says so at start, and clients past it are refused, not left hanging',
    { timeout: 120_000 },
    async () => {
      server = await spawnServer(
        {
          MAX_CONNECTIONS: '10000',
          MAX_CONNECTIONS_PER_ADDRESS: '10000',
          CONNECTIONS_PER_ADDRESS_PER_MINUTE: '100000',
          MAX_IMAGE_DOWNLOADS: '16',
        },
        { openFiles: 400 },
      );
      const warning = parseLogLines(server.output()).find((l) => l.event === 'max-connections-lowered');
      expect(warning).toMatchObject({ level: 40, maxConnections: expect.any(Number), openFiles: 400 });
      const cap = warning!.maxConnections as number;
      expect(cap).toBeGreaterThan(100);
      expect(cap).toBeLessThan(400);

      const held: Client[] = [];
      const refusals: string[] = [];
      for (let i = 0; i < 400; i += 20) {
        const batch = await Promise.allSettled(Array.from({ length: 20 }, () => openClient(server!.url)));
        for (const outcome of batch) {
          if (outcome.status === 'fulfilled') held.push(outcome.value);
          else refusals.push((outcome.reason as Error).message);
        }
      }
      expect(held).toHaveLength(cap);
      // Refused at the handshake (a websocket answered with an HTTP error), none left waiting.
      expect(new Set(refusals)).toEqual(new Set(['websocket error']));
      const answer = await http(`${server.url}/socket.io/?EIO=4&transport=polling`);
      expect(answer).toMatchObject({ status: 403, body: { message: 'TOO_MANY_CONNECTIONS' } });
      // Still answering, and a place that frees up is taken again.
      expect(await getJson(`${server.url}/api/health`)).toMatchObject({ status: 'ok' });
      held.pop()!.disconnect();
      const connects = () =>
        openClient(server!.url).then(
          () => true,
          () => false,
        );
      await eventually(connects, 10_000);
    },
  );
});
