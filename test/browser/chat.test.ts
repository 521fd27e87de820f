import { afterEach, describe, expect, it } from 'vitest';
import { browserSuite, screenshot } from '../helpers/browser.js';
import {
  createRoom,
  inRoomAs,
  joinByLink,
  messageWith,
  sendMessage,
  waitForMessage,
  waitForPerson,
} from '../helpers/chat-page.js';
import { dumpPrefix } from '../helpers/redis-dump.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { redisUrl, storeKinds } from '../helpers/stores.js';

describe.each(storeKinds())('the chat page on %s', (store) => {
  const browser = browserSuite();
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('lets two people join one room by its link and chat, encrypted end to end', async () => {
    running = await startServer({ store });
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
    expect(websockets.some((url) => url.startsWith(`${running!.url.replace('http', 'ws')}/socket.io/`))).toBe(true);
    for (const { requests, problems } of [alice, bob]) {
      expect(requests.filter((url) => !url.startsWith(`${running!.url}/`))).toEqual([]);
      expect(problems).toEqual([]);
    }
  });

  it('keeps the room, the name and the key across a reload', async () => {
    running = await startServer({ store });
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
    it('leaves nothing in Redis that reads as the messages or the key', async () => {
      running = await startServer({ store });
      const alice = await browser.open();
      const bob = await browser.open();
      const { link, token } = await createRoom(alice.page, running.url, 'Alice Wisp');
      await joinByLink(bob.page, link, 'Bob Shade');
      const secrets = ['The vault code is 4471', 'Burn this one after reading'];
      await sendMessage(alice.page, secrets[0]!);
      await sendMessage(bob.page, secrets[1]!, 'Burn after reading');
      await waitForMessage(alice.page, secrets[1]!);

      const dump = await dumpPrefix(redisUrl(), running.prefix!);
      const everything = [...dump].flat().join('\n');
      // The messages are there, sealed: the check looks at the right data.
      expect(everything).toContain(token);
      expect(everything.match(/gc1\.[A-Za-z0-9_-]+/g)?.length).toBeGreaterThanOrEqual(2);
      const secret = link.split('/').pop()!;
      const secretBytes = Buffer.from(secret, 'base64url');
      for (const needle of [
        ...secrets,
        ...secrets.flatMap((s) => s.split(' ').filter((w) => w.length > 4)),
        secret,
        secretBytes.toString('hex'),
        secretBytes.toString('base64'),
      ]) {
        expect(everything, needle).not.toContain(needle);
      }
      await expect(messageWith(alice.page, secrets[0]!).count()).resolves.toBe(1);
    });
  }
});
