import { describe, expect, it } from 'vitest';
import { emitWithoutAck, eventually, joinedClient, request } from '../helpers/client.js';
import { getJson, http } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const ROOM = 'HIS-TOR-Y01';

describe.each(storeKinds())('history pages on %s', (store) => {
  it('answers a room full of the longest messages with a bounded newest page, and pages back to the first', async () => {
    const running = await startServer({ store });
    const client = await joinedClient(running.url, ROOM, 'Writer');
    const count = 150;
    // Each is a 10,000-character message: the whole history is about 1.5 MB of text.
    for (let i = 0; i < count; i++)
      emitWithoutAck(client, 'send-message', { roomToken: ROOM, message: `${i}:`.padEnd(10_000, 'x') });
    await eventually(
      async () => (await getJson(`${running.url}/api/room/${ROOM}/stats`)).messageCount === count,
      15_000,
    );

    const first = await http(`${running.url}/api/room/${ROOM}/messages`);
    expect(first.status).toBe(200);
    expect(Number(first.headers.get('content-length'))).toBeLessThan(512 * 1024);
    expect(first.body).toMatchObject({ hasMore: true, before: first.body.messages[0].id });
    expect(first.body.count).toBe(first.body.messages.length);

    const seen: string[] = [];
    let page = first.body;
    for (;;) {
      seen.unshift(...page.messages.map((m: { message: string }) => m.message.split(':')[0]));
      if (!page.hasMore) break;
      const next = await http(`${running.url}/api/room/${ROOM}/messages?before=${page.before}&limit=200`);
      expect(Number(next.headers.get('content-length'))).toBeLessThan(512 * 1024);
      page = next.body;
    }
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => String(i)));
  });

  it('takes a limit, and refuses a malformed one or a cursor that is not there', async () => {
    const running = await startServer({ store });
    const client = await joinedClient(running.url, ROOM, 'Writer');
    for (const message of ['one', 'two', 'three']) await request(client, 'send-message', { roomToken: ROOM, message });
    const two = await getJson(`${running.url}/api/room/${ROOM}/messages?limit=2`);
    expect(two.messages.map((m: { message: string }) => m.message)).toEqual(['two', 'three']);
    const rest = await getJson(`${running.url}/api/room/${ROOM}/messages?limit=2&before=${two.before}`);
    expect(rest).toMatchObject({ hasMore: false, count: 1, messages: [{ message: 'one' }] });
    expect(rest.before).toBeUndefined();
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'limit=-1', 'before=../../x', 'before=']) {
      const answer = await http(`${running.url}/api/room/${ROOM}/messages?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe('PAYLOAD_INVALID');
    }
    const gone = await http(`${running.url}/api/room/${ROOM}/messages?before=msg_1_0000000000000000`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
  });

  it('serves an empty room as an empty page, and text in any script byte for byte as it was sent', async () => {
    const running = await startServer({ store });
    const empty = await http(`${running.url}/api/room/${ROOM}/messages`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ messages: [], count: 0, hasMore: false });
    const client = await joinedClient(running.url, ROOM, 'Renée 👻');
    const texts = ['héllo wörld', '李小龍 says 你好', 'ghost 👻🔥 and a "quote" \\ backslash', 'plain'];
    for (const message of texts) await request(client, 'send-message', { roomToken: ROOM, message });
    const page = await http(`${running.url}/api/room/${ROOM}/messages`);
    expect(page.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(page.body.messages.map((m: { message: string; sender: string }) => [m.message, m.sender])).toEqual(
      texts.map((text) => [text, 'Renée 👻']),
    );
    expect(page.body.count).toBe(texts.length);
  });
});
