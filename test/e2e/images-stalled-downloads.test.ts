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
function stalledGet(baseUrl: string, pathname: string, extraHeaders = ''): Promise<StalledDownload> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\n${extraHeaders}\r\n`),
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

describe('image downloads from one address', () => {
  it('are held to MAX_IMAGE_DOWNLOADS_PER_ADDRESS (429 TOO_MANY_PENDING), leaving places for everyone else', async () => {
    const { url } = await startServer({
      env: { MAX_IMAGE_DOWNLOADS: '10', MAX_IMAGE_DOWNLOADS_PER_ADDRESS: '2', TRUSTED_PROXIES: '127.0.0.1' },
    });
    const uploaded = await upload(url, await noisePng(9_000_000));
    expect(uploaded.status).toBe(200);
    const path = uploaded.body.imageUrl as string;
    const from = (address: string) => ({ 'X-Forwarded-For': address });

    const hog = await Promise.all([1, 2].map(() => stalledGet(url, path, 'X-Forwarded-For: 203.0.113.7\r\n')));
    for (const download of hog) expect(download.status).toBe(200);
    const third = await fetch(`${url}${path}`, { headers: from('203.0.113.7') });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_PENDING');

    const other = await fetch(`${url}${path}`, { headers: from('198.51.100.9') });
    expect(other.status).toBe(200);
    expect(Buffer.from(await other.arrayBuffer()).length).toBe(uploaded.body.size);
  });
});
