import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesIn, makeImage, pngBomb, rawGet, removeDir, stagedFiles, upload } from '../helpers/images.js';
import { serverPerTest } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const TEN_MB = 10 * 1024 * 1024;

describe.each(storeKinds())('hostile image uploads and requests on %s', (store) => {
  const current = serverPerTest(store);
  const start = (env?: Record<string, string>) => current.start(env);

  it('accepts an image of exactly 10 MB and refuses 10 MB + 1 byte with 413, writing nothing', async () => {
    const { url } = await start();
    const small = await makeImage('png');
    // Trailing zeros after IEND: still a PNG, exactly at the limit.
    const exact = Buffer.concat([small, Buffer.alloc(TEN_MB - small.length)]);
    const ok = await upload(url, exact);
    expect(ok.status).toBe(200);
    expect(await filesIn(current.dir)).toEqual([ok.body.filename]);

    const over = Buffer.concat([small, Buffer.alloc(TEN_MB + 1 - small.length)]);
    const refused = await upload(url, over);
    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe('IMAGE_TOO_LARGE');
    expect(await filesIn(current.dir)).toEqual([ok.body.filename]);
    // What was staged of it (sealed, under a key only in memory) is gone before the answer.
    expect(await stagedFiles(current.dir)).toEqual([]);
  });

  it('refuses fake images, SVG, HTML and polyglots by their bytes', async () => {
    const { url } = await start();
    const png = await makeImage('png');
    const pngSignature = png.subarray(0, 8);
    const hostile: Array<[string, Buffer, string]> = [
      [
        'PNG signature then HTML',
        Buffer.concat([pngSignature, Buffer.from('<html><script>alert(1)</script></html>')]),
        'image/png',
      ],
      [
        'SVG',
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'),
        'image/svg+xml',
      ],
      ['SVG labelled PNG', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png'],
      ['HTML labelled JPEG', Buffer.from('<!DOCTYPE html><html><body>hi</body></html>'), 'image/jpeg'],
      [
        'valid PNG with HTML appended',
        Buffer.concat([png, Buffer.from('<html><script>alert(1)</script></html>')]),
        'image/png',
      ],
      ['GIF header then JavaScript', Buffer.from('GIF89a=1;alert(document.cookie)//'), 'image/gif'],
      ['PDF', Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), 'image/png'],
      ['empty', Buffer.alloc(0), 'image/png'],
    ];
    for (const [label, bytes, type] of hostile) {
      const { status, body } = await upload(url, bytes, { type, filename: 'evil.png' });
      expect(status, label).toBeGreaterThanOrEqual(400);
      expect(status, label).toBeLessThan(500);
      expect(['IMAGE_TYPE_UNSUPPORTED', 'IMAGE_INVALID', 'PAYLOAD_INVALID'], label).toContain(body.error.code);
    }
    expect(await filesIn(current.dir)).toEqual([]);
  });

  it('refuses a decompression bomb from its header, without decoding it', async () => {
    const { url } = await start();
    const bomb = pngBomb(20_000, 20_000);
    expect(bomb.length).toBeLessThan(2048);
    const started = Date.now();
    const { status, body } = await upload(url, bomb);
    expect(status).toBe(422);
    expect(body.error.code).toBe('IMAGE_TOO_MANY_PIXELS');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await filesIn(current.dir)).toEqual([]);
  });

  it('refuses every path trick before looking for a file', async () => {
    const { url } = await start();
    const { body } = await upload(url, await makeImage('png'));
    await writeFile(path.join(current.dir, '.secret.png'), 'secret');
    await writeFile(path.join(path.dirname(current.dir), `${path.basename(current.dir)}-outside.png`), 'outside');
    const name = body.filename as string;
    const attempts = [
      '/api/image/../../../../etc/passwd',
      '/api/image/..%2f..%2f..%2fetc%2fpasswd',
      '/api/image/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/api/image/%2e%2e',
      '/api/image/..',
      '/api/image/%2fetc%2fpasswd',
      '/api/image/%2Fetc%2Fpasswd',
      '/api/image/.secret.png',
      '/api/image/%2esecret.png',
      `/api/image/..%2f${path.basename(current.dir)}-outside.png`,
      `/api/image/${name}%00.png`,
      `/api/image/${name}%00`,
      `/api/image/${name.replace('.png', '%00.png')}`,
      `/api/image/%2e%2e%2f${name}`,
      `/api/image/..%5c..%5c${name}`,
      `/api/image/${name}%2f..%2f..%2fetc%2fpasswd`,
      `/api/image/${name.toUpperCase()}`,
      `/api/image/${name}.png`,
    ];
    for (const attempt of attempts) {
      const res = await rawGet(url, attempt);
      // 414: longer than any generated name, refused by the router itself.
      expect([400, 404, 414], attempt).toContain(res.status);
      expect(res.body, attempt).not.toContain('root:');
      expect(res.body, attempt).not.toContain('secret');
      expect(res.body, attempt).not.toContain('outside');
    }
    // The real name still works, and nothing was deleted or created by the attempts.
    expect((await rawGet(url, `/api/image/${name}`)).status).toBe(200);
    expect(await filesIn(current.dir)).toEqual(['.secret.png', name].sort());
    await removeDir(path.join(path.dirname(current.dir), `${path.basename(current.dir)}-outside.png`));
  });

  it('refuses uploads without an image part or with a stray file field', async () => {
    const { url } = await start();
    const none = await fetch(`${url}/api/upload-image`, { method: 'POST', body: new FormData() });
    expect(none.status).toBe(400);
    const wrongField = await upload(url, await makeImage('png'), { field: 'file' });
    expect(wrongField.status).toBe(400);
    const badTtl = await upload(url, await makeImage('png'), { ttl: 'forever' });
    expect(badTtl.status).toBe(400);
    expect(await filesIn(current.dir)).toEqual([]);
  });
});
