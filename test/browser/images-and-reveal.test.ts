import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { browserSuite, screenshot } from '../helpers/browser.js';
import {
  attachImage,
  clickSend,
  createRoom,
  joinByLink,
  messageLog,
  messageWith,
  sendImage,
  sendMessage,
  waitForMessage,
  waitForPerson,
  waitForPicture,
} from '../helpers/chat-page.js';
import { makeImage } from '../helpers/images.js';
import { openSealedPicture, patternPng, sealedFetches } from '../helpers/sealed-pictures.js';
import { startServer } from '../helpers/server.js';

const WAIT = { timeout: 10_000 };
const TTL = 300;

describe('images and burn on reveal in the chat page', () => {
  const browser = browserSuite();

  it('shares pasted, dropped and picked images, decrypted in the other browser, with no EXIF or GPS left', async () => {
    const running = await startServer({ env: { DEFAULT_TTL: String(TTL) } });
    const alice = await browser.open();
    const bob = await browser.open({ phone: true });
    const fetchedByBob = sealedFetches(bob.page);
    const { link, token } = await createRoom(alice.page, running.url, 'Alice Wisp');
    await joinByLink(bob.page, link, 'Bob Shade');
    await waitForPerson(alice.page, 'Bob Shade');

    await attachImage(alice.page, 'paste', { name: 'pattern.png', type: 'image/png', bytes: await patternPng() });
    await alice.page.getByRole('textbox', { name: 'Message' }).fill('pasted pattern');
    await screenshot(alice.page, 'image-preview');
    await clickSend(alice.page);
    await waitForMessage(bob.page, 'pasted pattern');
    await waitForPicture(bob.page, 'Alice Wisp');

    await sendImage(alice.page, 'drop', { name: 'loop.gif', type: 'image/gif', bytes: await makeImage('gif') });

    const gpsJpeg = await makeImage('jpeg', { width: 120, height: 90 });
    // The test's own photo does carry what must not travel: camera, owner and GPS position.
    expect((await sharp(gpsJpeg).metadata()).exif).toBeDefined();
    expect(gpsJpeg.includes('SpyCam')).toBe(true);
    const photo = { name: 'holiday.jpg', type: 'image/jpeg', bytes: gpsJpeg };
    await sendImage(alice.page, 'pick', photo, 'picked, with GPS in the file');
    await waitForMessage(bob.page, 'picked, with GPS in the file');
    await waitForPicture(bob.page, 'Alice Wisp');
    await expect.poll(() => messageLog(bob.page).getByRole('img').count(), WAIT).toBe(3);
    await expect.poll(() => fetchedByBob.length, WAIT).toBe(3);
    await screenshot(bob.page, 'images-received-phone');
    await screenshot(alice.page, 'images-sent');

    // What Bob's page fetched is sealed; opened with the link's secret it is the scrubbed picture.
    const sender = { roomToken: token, sender: 'Alice Wisp', ttl: TTL };
    const opened = await Promise.all(fetchedByBob.map((bytes) => openSealedPicture(link, sender, bytes)));
    expect(opened.map((o) => o.header.text)).toEqual(['pasted pattern', '', 'picked, with GPS in the file']);
    for (const { header, picture } of opened) {
      const meta = await sharp(picture).metadata();
      expect(meta.format).toBe(header.type === 'image/webp' ? 'webp' : 'jpeg');
      expect(meta.exif).toBeUndefined();
      for (const leak of ['SpyCam', 'Leaky 9000', 'Jane Doe', 'GPS', 'Exif'])
        expect(picture.includes(leak)).toBe(false);
    }
    const received = opened[2]!;
    expect(received.header).toMatchObject({ width: 120, height: 90 });
    // The same picture: the photo's colour (200, 30, 90) survived the redraw.
    const { channels } = await sharp(received.picture).stats();
    expect(channels.slice(0, 3).map((c) => Math.round(c.mean / 10))).toEqual([20, 3, 9]);
    for (const { problems } of [alice, bob]) expect(problems).toEqual([]);
  });

  it('keeps a burn-after-reading message and image sealed until revealed, then both vanish on both screens', async () => {
    const running = await startServer({ env: { BURN_AFTER_READ_SECONDS: '3' } });
    const alice = await browser.open();
    const bob = await browser.open();
    const bobFetches = sealedFetches(bob.page);
    const { link } = await createRoom(alice.page, running.url, 'Alice Wisp');
    await joinByLink(bob.page, link, 'Bob Shade');
    await waitForPerson(alice.page, 'Bob Shade');

    await sendMessage(alice.page, 'The drop is under the third bench', 'Burn after reading');
    await sendImage(alice.page, 'pick', { name: 'map.png', type: 'image/png', bytes: await patternPng() });
    await waitForPicture(alice.page, 'Alice Wisp');

    // Bob's screen: two sealed placeholders, nothing of their content, nothing fetched.
    const sealed = messageLog(bob.page).getByRole('listitem').filter({ hasText: 'sealed until you reveal it' });
    await expect.poll(() => sealed.count(), WAIT).toBe(2);
    expect(await messageLog(bob.page).textContent()).not.toContain('third bench');
    expect(await messageLog(bob.page).getByRole('img').count()).toBe(0);
    expect(bobFetches).toEqual([]);
    // Alice's own copy waits for a reader: no countdown yet.
    expect(await messageWith(alice.page, 'third bench').textContent()).toContain('burns once read');
    await screenshot(bob.page, 'burn-sealed');

    await bob.page.getByRole('button', { name: 'Reveal', exact: true }).click();
    const revealed = await waitForMessage(bob.page, 'The drop is under the third bench');
    expect(await revealed.textContent()).toMatch(/0:0[1-3] left/);
    await expect.poll(() => messageWith(alice.page, 'third bench').textContent(), WAIT).toMatch(/0:0[1-3] left/);
    await bob.page.getByRole('button', { name: 'Reveal image' }).click();
    await waitForPicture(bob.page, 'Alice Wisp');
    await screenshot(bob.page, 'burn-revealed');

    for (const page of [alice.page, bob.page]) {
      await messageWith(page, 'third bench').waitFor({ state: 'detached', ...WAIT });
      await expect.poll(() => messageLog(page).getByRole('listitem').count(), WAIT).toBe(0);
    }
  });
});
