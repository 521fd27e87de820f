import { afterEach, describe, expect, it } from 'vitest';
import { browserSuite, screenshot, type OpenedPage } from '../helpers/browser.js';
import { createRoom, inRoomAs, joinByLink, messageWith, sendMessage, waitForMessage } from '../helpers/chat-page.js';
import { afterThisTest } from '../helpers/cleanup.js';
import { getJson } from '../helpers/http.js';
import { olderNode } from '../helpers/older-node.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { dropPrefix, redisUrl, storeKinds, testPrefix } from '../helpers/stores.js';
import { SwitchProxy } from '../helpers/switch-proxy.js';

const WAIT = { timeout: 15_000 };

describe.runIf(storeKinds().includes('redis'))('the chat page across a server restart (Redis)', () => {
  const browser = browserSuite();
  const servers: RunningServer[] = [];
  let prefix = '';
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await dropPrefix(redisUrl(), prefix);
  });

  /**
   * Alice's page on one server, Bob's on another sharing its Redis; Alice's server stops, Bob
   * speaks, and Alice's server starts again on the same port with `env`.
   */
  async function restartWhileBobSpeaks(env: Record<string, string> = {}) {
    prefix = testPrefix();
    const start = async (port?: number, extra: Record<string, string> = {}) => {
      const server = await startServer({ store: 'redis', prefix, keepData: true, port, env: extra });
      servers.push(server);
      return server;
    };
    const first = await start();
    const other = await start();
    const alice = await browser.open();
    const bob = await browser.open();
    const { link } = await createRoom(alice.page, first.url, 'Alice Wisp');
    await joinByLink(bob.page, link.replace(first.url, other.url), 'Bob Shade');
    await sendMessage(alice.page, 'Before the restart');
    await waitForMessage(bob.page, 'Before the restart');

    await first.close();
    await alice.page.getByText(/Reconnecting|Cannot reach the server|restarting/).waitFor(WAIT);
    await sendMessage(bob.page, 'Said while you were away');
    const restarted = await start(Number(new URL(first.url).port), env);
    return { alice, bob, restarted };
  }

  async function backWithWhatWasSaid(alice: OpenedPage, bob: OpenedPage): Promise<void> {
    await waitForMessage(alice.page, 'Said while you were away');
    await alice.page.getByText('Reconnected. Nothing said meanwhile was missed.').waitFor(WAIT);
    await inRoomAs(alice.page, 'Alice Wisp');
    expect(await messageWith(alice.page, 'Before the restart').count()).toBe(1);
    expect(await messageWith(alice.page, 'Said while you were away').count()).toBe(1);
    await sendMessage(alice.page, 'Back, same name');
    expect(await (await waitForMessage(bob.page, 'Back, same name')).textContent()).toContain('Alice Wisp');
  }

  it('resumes after its server restarts on the same port: its name, and what was said while it was away', async () => {
    const { alice, bob, restarted } = await restartWhileBobSpeaks();
    await backWithWhatWasSaid(alice, bob);
    expect((await getJson(`${restarted.url}/api/health`)).resumes).toEqual({ recovered: 1, gap: 0, refused: 0 });
    await screenshot(alice.page, 'resumed-after-restart');
  });

  it('when the server will not resume it, joins again and reads what it missed from the history', async () => {
    const { alice, bob, restarted } = await restartWhileBobSpeaks({ RECOVERY_WINDOW_SECONDS: '0' });
    await backWithWhatWasSaid(alice, bob);
    expect((await getJson(`${restarted.url}/api/health`)).resumes).toEqual({ recovered: 0, gap: 0, refused: 1 });
  });
});

describe('the chat page when its reconnection lands on a node without resume (a rolling upgrade)', () => {
  const browser = browserSuite();

  it('does not wait for a resume outcome that never comes: it joins again', { timeout: 60_000 }, async () => {
    // The page is served through the proxy: the server is told that is where its page runs.
    const proxy = await SwitchProxy.start(await olderNode());
    const server = await startServer({ env: { PUBLIC_URL: proxy.url } });
    proxy.pointTo(Number(new URL(server.url).port));
    // Before the server closes: the server sides of cut connections would hold it up.
    afterThisTest(() => proxy.close());
    const alice = await browser.open();
    await createRoom(alice.page, proxy.url, 'Alice Wisp');
    await sendMessage(alice.page, 'Before the upgrade');
    proxy.cut();
    proxy.pointTo(await olderNode());
    // The older node answers no resume and serves no history: the page says so, back in the room.
    await alice.page
      .getByText('Reconnected. Not all that was said meanwhile could be read.')
      .waitFor({ timeout: 40_000 });
    await inRoomAs(alice.page, 'Alice Wisp');
    expect(await messageWith(alice.page, 'Before the upgrade').count()).toBe(1);
  });
});
