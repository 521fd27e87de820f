import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import type { Socket } from 'socket.io-client';
import { collect, eventually, joinedClient, openClient, request } from '../helpers/client.js';
import { http } from '../helpers/http.js';
import { makeImage } from '../helpers/images.js';
import { rawHttp } from '../helpers/raw-http.js';
import { closed, rawSocket } from '../helpers/raw-socket.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

// A fixed seed: a failure is replayed exactly, and CI runs the same inputs every time.
const SEED = 20_261_129;
const ROOM = 'GEN-ERA-TED';
const CODES = Object.keys(ErrorCodes).filter((code) => code !== 'INTERNAL');

/** Strings a client should not send: lone surrogates, bidi and zero-width characters, huge and path-like ones. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '__proto__',
    'constructor',
    ROOM,
    'A-B-C',
    '\u202eecila',
    'alice\u200b',
    '\ud800',
    '%zz',
    '../../etc/passwd',
    'data:image/png;base64,AAAA',
    'x'.repeat(20_000),
  ),
);

const key = fc.oneof(
  hostileString,
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'roomToken',
    'agentId',
    'message',
    'imageData',
    'blob',
    'data',
    'ttl',
  ),
);

/** Any value socket.io can carry: wrong types, binary where text is expected, objects with hostile keys. */
const { value: hostileValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));

/** An object nested `depth` levels deep, as arrays or as objects. */
const deeplyNested = fc.tuple(fc.integer({ min: 100, max: 2_000 }), fc.boolean()).map(([depth, asArray]) => {
  let nested: unknown = 'bottom';
  for (let i = 0; i < depth; i++) nested = asArray ? [nested] : { roomToken: nested };
  return nested;
});

/** Close to what the events expect, with any field replaced by something hostile. */
const nearlyValid = fc.record(
  {
    roomToken: fc.oneof(fc.constant(ROOM), hostileValue),
    agentId: fc.oneof(fc.constant('Fuzzer'), hostileValue),
    message: fc.oneof(fc.constant('hello'), hostileValue),
    ttl: fc.oneof(fc.constantFrom(0, 1, 60, null), hostileValue),
    caption: hostileValue,
    sender: hostileValue,
    imageData: fc.oneof(
      hostileValue,
      fc.record({ name: hostileValue, data: hostileValue, blob: hostileValue }, { requiredKeys: [] }),
    ),
  },
  { requiredKeys: [] },
);

const EVENTS = ['join-room', 'leave-room', 'send-message', 'send-image'];
const event = fc.constantFrom(...EVENTS, 'no-such-event', 'disconnect-me', 'room-joined');
const payload = fc.oneof(nearlyValid, hostileValue, deeplyNested);

/** Two members who must still be able to talk after whatever was thrown at the server. */
async function bystanders(url: string) {
  const writer = await joinedClient(url, ROOM, 'Bystander-1');
  const reader = await joinedClient(url, ROOM, 'Bystander-2');
  const received = collect(reader, 'new-message');
  return async () => {
    expect((await http(`${url}/livez`)).status).toBe(200);
    const text = `still here ${received.length}`;
    expect((await request(writer, 'send-message', { roomToken: ROOM, message: text })).ok).toBe(true);
    await eventually(() => received.some((m) => 'message' in m && m.message === text));
  };
}

describe.each(storeKinds())('generated hostile input on %s', (store) => {
  it('every socket event answers generated payloads with a known code or success, never INTERNAL', async () => {
    const running = await startServer({ store, env: { MAX_MESSAGE_LENGTH: '1000' } });
    const stillChat = await bystanders(running.url);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(event, fc.array(payload, { minLength: 1, maxLength: 2 }), async (name, args) => {
        const client = await openClient(running.url);
        await request(client, 'join-room', { roomToken: ROOM, agentId: `Fuzzer-${n++}` });
        if (!EVENTS.includes(name)) {
          // No handler, so no acknowledgement: the server must simply ignore it.
          (client as unknown as Socket).emit(name, ...args);
          client.disconnect();
          return;
        }
        // A packet with more than one binary attachment closes its connection: no answer then.
        const ack = await Promise.race([
          (client as unknown as Socket)
            .timeout(3_000)
            .emitWithAck(name, ...args)
            .catch(() => null),
          new Promise<null>((resolve) => client.once('disconnect', () => resolve(null))),
        ]);
        client.disconnect();
        if (ack === null) return;
        if (ack.ok === false) expect(CODES).toContain(ack.error.code);
        else expect(ack.ok).toBe(true);
      }),
      { seed: SEED, numRuns: store === 'memory' ? 150 : 60 },
    );
    await stillChat();
  }, 60_000);

  it('survives thousands of tiny packets and frames from one connection', async () => {
    const running = await startServer({ store });
    const stillChat = await bystanders(running.url);
    const raw = await rawSocket(running.url);
    for (let i = 0; i < 3_000; i++) raw.send(['42["send-message",{}]', '42["x"]', '3', '42[]', '2'][i % 5]!);
    const client = await joinedClient(running.url, ROOM, 'Chatty');
    for (let i = 0; i < 2_000; i++) (client as unknown as Socket).emit(i % 2 ? 'leave-room' : 'no-such-event', {});
    // `42[]` names no event: socket.io takes it for a protocol violation and closes that connection.
    await closed(raw, 10_000);
    await stillChat();
  });
});

/** Every byte of the string's UTF-8 (lone surrogates as U+FFFD) as %XX, letters and digits kept. */
function percentEncoded(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

/** A request line, headers and body as a hostile client might write them. */
const path = fc.oneof(
  fc.constantFrom(
    '/api/room/',
    '/api/image/',
    '/api/upload-image',
    '/api/health',
    '/api/config',
    '/livez',
    '/docs/',
    '/',
  ),
  fc
    .tuple(
      fc.constantFrom('/api/room/', '/api/image/', '/api/room/ABC-123-XYZ/'),
      hostileString.map((s) => percentEncoded(s).slice(0, 300)),
      fc.constantFrom('', '/stats', '/messages', '/messages?limit=-1&before=%00', '?x=__proto__'),
    )
    .map((parts) => parts.join('')),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => `/${s.replace(/[\s]/g, '')}`),
);

const multipartBody = fc
  .record({
    boundary: fc.string({ unit: 'binary-ascii', minLength: 0, maxLength: 20 }).map((s) => s.replace(/[\r\n;"]/g, '')),
    parts: fc.array(
      fc.record({
        name: fc.oneof(fc.constantFrom('image', 'ttl', 'messageId'), hostileString),
        filename: fc.option(hostileString),
        body: fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          fc.constant(Buffer.from('png')),
        ),
      }),
      { maxLength: 3 },
    ),
    cutShort: fc.boolean(),
  })
  .map(({ boundary, parts, cutShort }) => {
    const pieces = parts.map(({ name, filename, body }) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\ncontent-disposition: form-data; name="${name}"${filename === null ? '' : `; filename="${filename}"`}\r\n\r\n`,
        ),
        body,
        Buffer.from('\r\n'),
      ]),
    );
    const whole = Buffer.concat([...pieces, Buffer.from(`--${boundary}--\r\n`)]);
    return { boundary, body: cutShort ? whole.subarray(0, Math.floor(whole.length / 2)) : whole };
  });

describe('generated hostile HTTP requests', () => {
  async function answerOf(running: RunningServer, head: string, body: Buffer) {
    const bytes = Buffer.concat([
      Buffer.from(
        `${head}\r\nHost: localhost\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
        'latin1',
      ),
      body,
    ]);
    return rawHttp(running.url, bytes);
  }

  it('every route answers generated requests with a 2xx-4xx in our error shape, never a 500', async () => {
    const running = await startServer();
    const stillChat = await bystanders(running.url);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'HEAD', 'PUT', 'OPTIONS', 'PATCH'),
        path,
        fc.constantFrom(
          'application/json',
          'multipart/form-data',
          'text/plain',
          'application/x-www-form-urlencoded',
          '',
        ),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.constant(Buffer.from('{"__proto__":{"a":1}}')),
        ),
        async (method, target, contentType, body) => {
          const answer = await answerOf(running, `${method} ${target} HTTP/1.1\r\nContent-Type: ${contentType}`, body);
          expect(answer.status, `${method} ${target}`).toBeGreaterThanOrEqual(200);
          expect(answer.status, `${method} ${target}`).toBeLessThan(500);
          if (answer.status >= 400 && method !== 'HEAD') {
            expect(answer.body, `${method} ${target}`).toMatchObject({
              success: false,
              error: { code: expect.any(String) },
            });
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
    await stillChat();
  });

  it('the upload route answers generated multipart bodies without a 500', async () => {
    const running = await startServer();
    const stillChat = await bystanders(running.url);
    const png = await makeImage('png');
    await fc.assert(
      fc.asyncProperty(multipartBody, fc.boolean(), async ({ boundary, body }, withImage) => {
        const content = withImage
          ? Buffer.from(body.toString('latin1').replace('png', png.toString('latin1')), 'latin1')
          : body;
        const answer = await answerOf(
          running,
          `POST /api/upload-image HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=${boundary}`,
          content,
        );
        expect([200, 400, 406, 408, 413, 415, 422]).toContain(answer.status);
        if (answer.status !== 200)
          expect(answer.body).toMatchObject({ success: false, error: { code: expect.any(String) } });
      }),
      { seed: SEED, numRuns: 150 },
    );
    await stillChat();
  });
});
