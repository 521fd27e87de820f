import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/client.js';
import { multipartHead, noisePng, rawUpload, stagedFiles, upload } from '../helpers/images.js';
import { captureServerLog } from '../helpers/log-capture.js';
import { rawHttp } from '../helpers/raw-http.js';
import { startServer } from '../helpers/server.js';

const ERROR = 50;
const ourShape = { success: false, error: { code: expect.any(String), message: expect.any(String) } };

function post(path: string, contentType: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`;

describe('HTTP framework and parser errors', () => {
  it('answer every malformed request with our error shape and a 4xx, never an error-level log line', async () => {
    const captured = captureServerLog('info');
    const { url } = await startServer({ log: captured.log });
    const part =
      '--b\r\ncontent-disposition: form-data; name="image"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n\x89PNG';
    const cases: Array<[string, string, number]> = [
      ['multipart without a boundary', post('/api/upload-image', 'multipart/form-data', 'xxxx'), 400],
      ['multipart cut short', post('/api/upload-image', 'multipart/form-data; boundary=b', part), 400],
      [
        'multipart with a broken part header',
        post('/api/upload-image', 'multipart/form-data; boundary=b', '--b\r\nnonsense\r\n\r\nx\r\n--b--\r\n'),
        400,
      ],
      ['not multipart at all', post('/api/upload-image', 'text/plain', 'hello'), 400],
      ['a JSON body that is not JSON', post('/api/upload-image', 'application/json', '{"a":'), 400],
      ['a path that does not decode', get('/api/room/%zz/stats'), 400],
      ['a path parameter past its length', get(`/api/room/${'A'.repeat(200)}/stats`), 414],
      ['a URL past the header limit', get(`/api/room/${'A'.repeat(20_000)}/stats`), 431],
      ['bytes that are not HTTP', 'GARBAGE\r\n\r\n', 400],
      ['an unknown method', 'BREW /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ];
    for (const [what, bytes, status] of cases) {
      const answer = await rawHttp(url, bytes);
      expect(answer.status, what).toBe(status);
      expect(answer.body, what).toEqual(ourShape);
    }
    expect(captured.at(ERROR)).toEqual([]);
    expect(captured.lines.filter((l) => l.event === 'http-bad-url')).toHaveLength(2);
    expect(captured.lines.filter((l) => l.event === 'http-client-error')).toHaveLength(3);
  });

  it('log a client that leaves mid-upload below error level, and keep nothing of it', async () => {
    const captured = captureServerLog('info');
    const { url, config } = await startServer({ log: captured.log });
    const leaving = rawUpload(url, { 'content-length': 1024 * 1024 });
    leaving.request.write(Buffer.concat([multipartHead(), Buffer.alloc(64 * 1024, 7)]));
    await eventually(async () => (await stagedFiles(config.media.uploadDir)).length === 1);
    leaving.request.destroy();
    await eventually(async () => (await stagedFiles(config.media.uploadDir)).length === 0);
    expect(captured.at(ERROR)).toEqual([]);
  });

  it('log a client that leaves mid-download below error level', async () => {
    const captured = captureServerLog('info');
    const { url } = await startServer({ log: captured.log });
    const png = await noisePng(1_500_000);
    const { body } = await upload(url, png);
    const before = captured.lines.length;
    const response = await fetch(`${url}${body.imageUrl}`);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    // The answer's end is logged (Fastify: the stream closed early), below error level.
    await eventually(() => captured.lines.length > before);
    expect(captured.at(ERROR)).toEqual([]);
  });
});
