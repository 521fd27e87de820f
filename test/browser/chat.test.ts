import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserSuite, screenshot } from '../helpers/browser.js';
import {
  createRoom,
  inRoomAs,
  joinByLink,
  messageWith,
  sendImage,
  sendMessage,
  waitForMessage,
  waitForPerson,
  waitForPicture,
} from '../helpers/chat-page.js';
import { makeImage } from '../helpers/images.js';
import { dumpPrefix } from '../helpers/redis-dump.js';
import { chunksOf, openSealedPicture, patternPixels, patternPng, sealedFetches } from '../helpers/sealed-pictures.js';
import { startServer } from '../helpers/server.js';
import { redisUrl, storeKinds } from '../helpers/stores.js';

describe.each(storeKinds())('the chat page on %s', (store) => {
  const browser = browserSuite();

  it('lets two people join one room by its link and chat, encrypted end to end', async () => {
    const running = await startServer({ store });
    const alice = await browser.open();
    const bob = await browser.open({ phone: true });
    const websockets: string[] = [];
    alice.page.on('websocket', (ws) => websockets.push(ws.url()));

    const { link, token } = await createRoom(alice.page, running.url, 'Alice Wisp');
    expect(link).toMatch(new RegExp(`^${running.url}/#/r/${token}/[A-Za-z0-9_-]{43}$`));
    // The secret left the address bar as soon as the page had it.
    expect(alice.page.url()).toBe(`${running.url}/#/r/${token}`);

    await joinByLink(bob.page, link, 'Bob Shade');
    expect(bob.page.url()).toBe(`${running.url}/#/r/${token}`);
    await waitForPerson(alice.page, 'Bob Shade');
    await waitForPerson(bob.page, 'Alice Wisp');

    await sendMessage(alice.page, 'Meet at the old mill at nine');
    const received = await waitForMessage(bob.page, 'Meet at the old mill at nine');
    expect(await received.textContent()).toContain('Alice Wisp');
    expect(await received.textContent()).not.toContain('Not end-to-end encrypted');
    await sendMessage(bob.page, 'I will bring a lantern');
    await waitForMessage(alice.page, 'I will bring a lantern');

    await screenshot(alice.page, `chat-${store}-alice`);
    await screenshot(bob.page, `chat-${store}-bob-phone`);

    // socket.io upgraded to a WebSocket under connect-src 'self', and the page asked nothing of any other origin.
    expect(websockets.some((url) => url.startsWith(`${running.url.replace('http', 'ws')}/socket.io/`))).toBe(true);
    for (const { requests, problems } of [alice, bob]) {
      expect(requests.filter((url) => !url.startsWith(`${running.url}/`))).toEqual([]);
      expect(problems).toEqual([]);
    }
  });

  it('keeps the room, the name and the key across a reload', async () => {
    const running = await startServer({ store });
    const alice = await browser.open();
    const bob = await browser.open();
    const { link } = await createRoom(alice.page, running.url, 'Alice Wisp');
    await joinByLink(bob.page, link, 'Bob Shade');

    await bob.page.reload();
    await inRoomAs(bob.page, 'Bob Shade');
    await waitForPerson(bob.page, 'Alice Wisp');
    await sendMessage(alice.page, 'Still there after the reload?');
    await waitForMessage(bob.page, 'Still there after the reload?');
    expect(bob.page.url()).not.toContain(link.split('/').pop()!);
  });

  if (store === 'redis') {
    it('leaves nothing in Redis or in the upload directory that reads as the messages, the pictures or the key', async () => {
      const running = await startServer({ store, env: { DEFAULT_TTL: '300' } });
      const alice = await browser.open();
      const bob = await browser.open();
      const fetchedByBob = sealedFetches(bob.page);
      const { link, token } = await createRoom(alice.page, running.url, 'Alice Wisp');
      await joinByLink(bob.page, link, 'Bob Shade');
      await waitForPerson(alice.page, 'Bob Shade');
      const secrets = ['The vault code is 4471', 'Burn this one after reading', 'Lighthouse keeper photograph'];
      await sendMessage(alice.page, secrets[0]!);
      await sendMessage(bob.page, secrets[1]!, 'Burn after reading');
      await alice.page.getByRole('button', { name: 'Reveal', exact: true }).click();
      await waitForMessage(alice.page, secrets[1]!);
      const pattern = await patternPng();
      const gpsJpeg = await makeImage('jpeg', { width: 120, height: 90 });
      await sendImage(alice.page, 'paste', { name: 'pattern.png', type: 'image/png', bytes: pattern }, secrets[2]);
      await sendImage(alice.page, 'pick', { name: 'holiday.jpg', type: 'image/jpeg', bytes: gpsJpeg });
      await expect.poll(() => fetchedByBob.length, { timeout: 10_000 }).toBe(2);
      await waitForPicture(bob.page, 'Alice Wisp');
      const sender = { roomToken: token, sender: 'Alice Wisp', ttl: 300 };
      const scrubbed = await Promise.all(fetchedByBob.map((b) => openSealedPicture(link, sender, b)));

      const dump = await dumpPrefix(redisUrl(), running.prefix!);
      const redisText = [...dump].flat().join('\n');
      const dir = running.config.media.uploadDir;
      const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      const disk = await Promise.all(files.map((f) => readFile(path.join(f.parentPath, f.name))));
      // The data is there, sealed: the checks look at the right places.
      expect(redisText).toContain(token);
      expect(redisText.match(/gc1\.[A-Za-z0-9_-]+/g)?.length).toBeGreaterThanOrEqual(2);
      expect(files.filter((f) => f.name.endsWith('.bin'))).toHaveLength(2);

      const secret = link.split('/').pop()!;
      const secretBytes = Buffer.from(secret, 'base64url');
      const words = secrets.flatMap((s) => s.split(' ').filter((w) => w.length > 4));
      const textNeedles = [...secrets, ...words, secret, secretBytes.toString('hex'), secretBytes.toString('base64')];
      const pictures = [pattern, gpsJpeg, patternPixels(), ...scrubbed.map((s) => s.picture), ...fetchedByBob];
      const byteNeedles = pictures.flatMap((p) => chunksOf(p));
      for (const needle of [...textNeedles, 'SpyCam', 'Jane Doe']) {
        expect(redisText, needle).not.toContain(needle);
        for (const file of disk) expect(file.includes(needle), needle).toBe(false);
      }
      for (const [i, needle] of byteNeedles.entries()) {
        for (const encoded of [needle.toString('base64'), needle.toString('hex'), needle.toString('latin1')]) {
          expect(redisText.includes(encoded), `picture chunk ${i} in Redis`).toBe(false);
        }
        for (const file of disk) expect(file.includes(needle), `picture chunk ${i} on disk`).toBe(false);
      }
      expect(
        disk.some((file) => file.includes(secretBytes)),
        'secret on disk',
      ).toBe(false);
      await expect(messageWith(alice.page, secrets[0]!).count()).resolves.toBe(1);
    });
  }
});
