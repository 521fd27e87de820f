import { afterEach, describe, expect, it } from 'vitest';
import { browserSuite, screenshot, type OpenedPage } from '../helpers/browser.js';
import { createRoom, inRoomAs, joinByLink, messageWith, sendMessage, waitForMessage } from '../helpers/chat-page.js';
import { getJson } from '../helpers/http.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { dropPrefix, redisUrl, storeKinds, testPrefix } from '../helpers/stores.js';

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
