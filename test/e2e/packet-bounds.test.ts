import { describe, expect, it } from 'vitest';
import { collect, eventually, joinedClient, request } from '../helpers/client.js';
import { makeImage } from '../helpers/images.js';
import { closed, framesOf, rawSocket } from '../helpers/raw-socket.js';
import { startServer } from '../helpers/server.js';

const ROOM = 'PAC-KET-B01';

/** The engine.io message holding the head of a `send-image` with `attachments` binary placeholders. */
function imageHead(attachments: number, caption = ''): string {
  const blob = { _placeholder: true, num: 0 };
  return `45${attachments}-0["send-image",${JSON.stringify({ roomToken: ROOM, imageData: { blob }, caption })}]`;
}

/** A bystander in the room whose chat must keep working whatever the attacker does. */
async function bystander(url: string) {
  const client = await joinedClient(url, ROOM, 'Bystander');
  const received = collect(client, 'new-message');
  return {
    async stillChats() {
      const ack = await request(client, 'send-message', { roomToken: ROOM, message: 'still fine' });
      expect(ack.ok).toBe(true);
      await eventually(() => received.some((m) => 'message' in m && m.message === 'still fine'));
    },
  };
}

describe('socket.io packets with binary attachments', () => {
  it('closes a connection whose packet declares more attachments than send-image needs', async () => {
    const { url } = await startServer();
    const calm = await bystander(url);
    const raw = await rawSocket(url);
    // The attack: ten declared, then large frames, never the last; it stops at the head now.
    raw.send(imageHead(10));
    for (let i = 0; i < 3; i++) raw.send(Buffer.alloc(1024 * 1024, i));
    await closed(raw);
    await calm.stillChats();
  });

  it('closes a connection whose packet, head and attachment together, exceeds the packet limit', async () => {
    // A packet may hold a head of up to MAX_SOCKET_PAYLOAD_BYTES and one image: 66,560 bytes here.
    const { url } = await startServer({ env: { MAX_SOCKET_PAYLOAD_BYTES: '65536', MAX_UPLOAD_BYTES: '1024' } });
    const calm = await bystander(url);
    const raw = await rawSocket(url);
    const answers = framesOf(raw);
    // Each frame is under the limit on its own; together they are not.
    raw.send(imageHead(1, 'x'.repeat(40_000)));
    raw.send(Buffer.alloc(40_000, 1));
    await closed(raw);
    expect(answers.filter((f) => f.startsWith('43'))).toEqual([]);
    await calm.stillChats();
  });

  it('drops a packet whose attachment never comes, and closes its connection, even while pings are answered', async () => {
    const { url } = await startServer({ env: { INCOMPLETE_PACKET_TIMEOUT_MS: '300' } });
    const calm = await bystander(url);
    const raw = await rawSocket(url);
    raw.send(imageHead(1, 'waiting for ever'));
    await closed(raw, 5_000);
    await calm.stillChats();
  });

  it('still takes a whole image sent as one binary attachment', async () => {
    const { url } = await startServer({ env: { INCOMPLETE_PACKET_TIMEOUT_MS: '300' } });
    const client = await joinedClient(url, ROOM, 'Sender');
    const ack = await request(client, 'send-image', {
      roomToken: ROOM,
      imageData: { name: 'a.png', blob: await makeImage('png') },
    });
    expect(ack).toMatchObject({ ok: true, messageId: expect.any(String) });
  });
});
