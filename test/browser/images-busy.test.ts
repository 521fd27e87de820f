import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { createRoom, joinByLink, messageWith, sendImage, waitForPerson, waitForPicture } from '../helpers/chat-page.js';
import { afterThisTest } from '../helpers/cleanup.js';
import { makeImage, noisePng, upload } from '../helpers/images.js';
import { startServer } from '../helpers/server.js';

/** GETs `pathname` from 127.0.0.1 and never reads the answer: the download stalls, holding its place. */
function stallDownload(baseUrl: string, pathname: string): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    });
    afterThisTest(() => void socket.destroy());
    socket.on('error', () => undefined);
    socket.once('error', reject);
    socket.once('data', () => {
      socket.pause();
      resolve();
    });
  });
}

describe('a sealed image the server is too busy to send at once', () => {
  const browser = browserSuite();

  it('is fetched again when the server says so (Retry-After), and shows, not "unreadable"', async () => {
    // Every download here comes from 127.0.0.1: one stalled download takes the address's only place
    // until the server cuts it (after 2 s without a read).
    const running = await startServer({
      env: { MAX_IMAGE_DOWNLOADS_PER_ADDRESS: '1', DOWNLOAD_IDLE_TIMEOUT_MS: '2000' },
    });
    const large = await upload(running.url, await noisePng(9_000_000));
    expect(large.status).toBe(200);
    const alice = await browser.open();
    const bob = await browser.open();
    const { link } = await createRoom(alice.page, running.url, 'Alice Wisp');
    await joinByLink(bob.page, link, 'Bob Shade');
    await waitForPerson(alice.page, 'Bob Shade');

    await stallDownload(running.url, large.body.imageUrl as string);
    const photo = { name: 'photo.png', type: 'image/png', bytes: await makeImage('png', { width: 80, height: 60 }) };
    await sendImage(alice.page, 'pick', photo, 'while the server is busy');
    // Its first fetch is refused (429, Retry-After: 1); without asking again it would show as "Cannot decrypt".
    await waitForPicture(bob.page, 'Alice Wisp');
    await messageWith(bob.page, 'while the server is busy').waitFor({ timeout: 10_000 });
    expect(await bob.page.getByText('Cannot decrypt').count()).toBe(0);
  });
});
