import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { afterThisTest } from '../helpers/cleanup.js';
import { eventually } from '../helpers/client.js';
import { fetchImage, noisePng, upload } from '../helpers/images.js';
import { mediaKinds } from '../helpers/media-stores.js';
import { startServer } from '../helpers/server.js';

interface StalledDownload {
  /** The status line's code, once the answer's head has arrived. */
  status: number;
  /** The body's declared length. */
  declared: number;
  /** Reads on until the server closes the connection: the body bytes that came in all. */
  resume(): Promise<number>;
}

/**
 * GETs `pathname` on a bare TCP connection, takes the answer's head, then stops reading: what the
 * server sends next piles up in the socket buffers until they are full, and the response stalls.
 */
function stalledGet(baseUrl: string, pathname: string): Promise<StalledDownload> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`),
    );
    afterThisTest(() => void socket.destroy());
    socket.on('error', () => undefined);
    socket.once('error', reject);
    let received = Buffer.alloc(0);
    const onHead = (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const split = received.indexOf('\r\n\r\n');
      if (split < 0) return;
      socket.off('data', onHead);
      socket.pause();
      const head = received.subarray(0, split).toString('latin1');
      let body = received.length - split - 4;
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
        declared: Number(/content-length: (\d+)/i.exec(head)?.[1]),
        resume: () =>
          new Promise((done) => {
            socket.on('data', (more: Buffer) => (body += more.length));
            socket.once('close', () => done(body));
            socket.resume();
          }),
      });
    };
    socket.on('data', onHead);
  });
}

describe.each(mediaKinds())('image downloads whose clients stop reading (MEDIA_STORE=%s)', (kind) => {
  it(
    'refuses downloads past MAX_IMAGE_DOWNLOADS with 503 and Retry-After, cuts stalled ones after DOWNLOAD_IDLE_TIMEOUT_MS, then serves again',
    { timeout: 60_000 },
    async () => {
      const { url } = await startServer({
        store: kind === 'redis' ? 'redis' : 'memory',
        env: { MEDIA_STORE: kind, MAX_IMAGE_DOWNLOADS: '3', DOWNLOAD_IDLE_TIMEOUT_MS: '3000' },
      });
      // Far more than the socket buffers of a connection that reads nothing can take (4 MiB at most
      // sent, on Linux): its download cannot finish while its client does not read.
      const uploaded = await upload(url, await noisePng(9_000_000));
      expect(uploaded.status).toBe(200);
      const path = uploaded.body.imageUrl as string;

      const stalled = await Promise.all([1, 2, 3].map(() => stalledGet(url, path)));
      for (const download of stalled) expect(download.status).toBe(200);

      const refused = await fetch(`${url}${path}`);
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('IMAGES_BUSY');
      // HEAD reads nothing and holds nothing: never refused for downloads in flight.
      expect((await fetch(`${url}${path}`, { method: 'HEAD' })).status).toBe(200);

      // The stalled downloads are given up while their clients still read nothing: the places they
      // held serve others again, with the whole image.
      let served: Awaited<ReturnType<typeof fetchImage>> | undefined;
      await eventually(async () => {
        served = await fetchImage(url, path);
        return served.status === 200;
      }, 30_000);
      expect(served!.bytes.length).toBe(uploaded.body.size);

      // What a stalled client gets when it reads again is the part sent before it was cut, then the end.
      for (const download of stalled) {
        expect(download.declared).toBe(uploaded.body.size);
        expect(await download.resume()).toBeLessThan(download.declared);
      }
      const again = await Promise.all([1, 2, 3].map(() => fetchImage(url, path)));
      for (const answer of again) expect(answer.bytes.length).toBe(uploaded.body.size);
    },
  );
});
