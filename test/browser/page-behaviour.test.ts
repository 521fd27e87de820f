import { afterEach, describe, expect, it } from 'vitest';
import { newRoomSecret } from '../../src/client/e2e/room-link.js';
import { connect, type GhostChatClient } from '../../src/client/ghostchat-client.js';
import { browserSuite, screenshot } from '../helpers/browser.js';
import {
  copiedText,
  createRoom,
  focusedId,
  inRoomAs,
  joinByLink,
  messageLog,
  messageWith,
  sendImage,
  sendMessage,
  waitForMessage,
  waitForPerson,
  waitForPicture,
} from '../helpers/chat-page.js';
import { patternPng } from '../helpers/sealed-pictures.js';
import { startServer } from '../helpers/server.js';

const WAIT = { timeout: 10_000 };

describe('the chat page', () => {
  const browser = browserSuite();
  const scripts: GhostChatClient[] = [];
  afterEach(async () => {
    for (const client of scripts.splice(0)) client.close();
  });

  it('offers only the TTLs the server allows, counts down, and drops the message on both screens when it expires', async () => {
    const running = await startServer({ env: { MAX_TTL: '3', DEFAULT_TTL: '3' } });
    const alice = await browser.open();
    const bob = await browser.open();
    const { link } = await createRoom(alice.page, running.url, 'Alice Wisp');
    await joinByLink(bob.page, link, 'Bob Shade');
    const picker = alice.page.getByRole('combobox', { name: 'Disappears' });
    expect(await picker.locator('option').allTextContents()).toEqual(['Burn after reading', '3 seconds']);

    await sendMessage(alice.page, 'This will self-destruct', '3 seconds');
    const onBob = await waitForMessage(bob.page, 'This will self-destruct');
    expect(await onBob.textContent()).toMatch(/0:0[1-3] left/);
    await screenshot(bob.page, 'ttl-countdown');
    await messageWith(alice.page, 'This will self-destruct').waitFor({ state: 'detached', ...WAIT });
    await onBob.waitFor({ state: 'detached', ...WAIT });
  });

  it('shows "cannot decrypt" to someone with the room but the wrong key, for text and images, never the content', async () => {
    const running = await startServer();
    const alice = await browser.open();
    const mallory = await browser.open();
    const { token } = await createRoom(alice.page, running.url, 'Alice Wisp');
    await joinByLink(mallory.page, `${running.url}/#/r/${token}/${newRoomSecret()}`, 'Mallory Ghoul');
    await waitForPerson(alice.page, 'Mallory Ghoul');

    await sendMessage(alice.page, 'For friends only');
    const seen = await waitForMessage(mallory.page, 'Cannot decrypt this message');
    expect(await seen.textContent()).toContain('Alice Wisp');
    await sendImage(alice.page, 'pick', { name: 'p.png', type: 'image/png', bytes: await patternPng() }, 'a caption');
    await waitForPicture(alice.page, 'Alice Wisp');
    const image = await waitForMessage(mallory.page, 'Cannot decrypt this image');
    expect(await image.textContent()).toContain('Alice Wisp');
    expect(await messageLog(mallory.page).getByRole('img').count()).toBe(0);
    const shown = await mallory.page.locator('body').textContent();
    for (const secret of ['For friends only', 'a caption']) expect(shown).not.toContain(secret);
    await screenshot(mallory.page, 'wrong-key');
  });

  it('marks messages from a client that does not encrypt, and shows a forged envelope as undecryptable', async () => {
    const running = await startServer();
    const alice = await browser.open();
    const { token } = await createRoom(alice.page, running.url, 'Alice Wisp');
    const script = connect(running.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    scripts.push(script);
    await (await script.opened()).join(token, 'Script Ghost');
    await waitForPerson(alice.page, 'Script Ghost');

    await script.send(token, 'Hello from a plain script', 60);
    const plain = await waitForMessage(alice.page, 'Hello from a plain script');
    expect(await plain.textContent()).toContain('Not end-to-end encrypted');
    await script.send(token, 'gc1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 60);
    const forged = await waitForMessage(alice.page, 'Cannot decrypt');
    expect(await forged.textContent()).toContain('Script Ghost');
    // A picture the server saw: marked, and loaded only when asked for.
    await script.sendImage(token, { blob: await patternPng() }, { caption: 'A plain picture', ttl: 60 });
    const picture = await waitForMessage(alice.page, 'A plain picture');
    expect(await picture.textContent()).toContain('Not end-to-end encrypted');
    await picture.getByRole('button', { name: 'Show image' }).click();
    await waitForPicture(alice.page, 'Script Ghost');
    await screenshot(alice.page, 'plain-and-forged');
  });

  it('can be used with the keyboard alone: create, join by link, send', async () => {
    const running = await startServer();
    const alice = await browser.open();
    const bob = await browser.open();

    await alice.page.goto(`${running.url}/`);
    await alice.page.getByRole('heading', { name: 'Start a private room' }).waitFor(WAIT);
    expect(await focusedId(alice.page)).toBe('create-name');
    await alice.page.keyboard.press('Enter');
    await alice.page.getByRole('heading', { name: /^Room / }).waitFor(WAIT);
    expect(await focusedId(alice.page)).toBe('message-input');
    // Copy link is reachable by keyboard from the composer.
    for (let i = 0; i < 8 && (await focusedId(alice.page)) !== 'copy-link'; i++)
      await alice.page.keyboard.press('Shift+Tab');
    expect(await focusedId(alice.page)).toBe('copy-link');
    await alice.page.keyboard.press('Enter');
    const link = await copiedText(alice.page);

    await bob.page.goto(link);
    await bob.page.getByRole('heading', { name: /^Join room/ }).waitFor(WAIT);
    expect(await focusedId(bob.page)).toBe('join-name');
    await bob.page.keyboard.press('ControlOrMeta+A');
    await bob.page.keyboard.type('Keyboard Ghost');
    await bob.page.keyboard.press('Enter');
    await inRoomAs(bob.page, 'Keyboard Ghost');
    expect(await focusedId(bob.page)).toBe('message-input');
    await bob.page.keyboard.type('Typed without a mouse');
    await bob.page.keyboard.press('Enter');
    await waitForMessage(alice.page, 'Typed without a mouse');
    // Sent and acknowledged: the composer is empty and Send enabled again.
    await bob.page.waitForFunction(
      "document.getElementById('message-input').value === '' && !document.getElementById('send').disabled",
    );
    // From the composer, Tab reaches the TTL picker and then Send.
    await bob.page.keyboard.press('Tab');
    expect(await focusedId(bob.page)).toBe('ttl');
    await bob.page.keyboard.press('Tab');
    expect(await focusedId(bob.page)).toBe('send');
  });

  it('reconnects by itself after losing the connection, says so, and rejoins under its name', async () => {
    const running = await startServer();
    const alice = await browser.open();
    const bob = await browser.open();
    const { link } = await createRoom(alice.page, running.url, 'Alice Wisp');
    await joinByLink(bob.page, link, 'Bob Shade');

    // Drop every transport without a goodbye, as a network failure would.
    for (const socket of running.server.io.sockets.sockets.values()) socket.conn.close();
    await bob.page
      .getByRole('status')
      .getByText(/^Reconnected/)
      .waitFor(WAIT);
    await sendMessage(alice.page, 'Back again');
    await waitForMessage(bob.page, 'Back again');
    await waitForPerson(alice.page, 'Bob Shade');
  });
});
