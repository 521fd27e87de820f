import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { isImageFilename, isImageId, newImageFilename } from '../../src/media/image-names.js';
import { processImage } from '../../src/media/image-processor.js';
import { IMAGE_TYPES, sniffImageType } from '../../src/media/image-type.js';
import { decodeDataUrl } from '../../src/protocol/data-url.js';
import { makeAnimation, makeImage, pngBomb } from '../helpers/images.js';

const MESSAGE_ID = 'msg_1700000000000_0123456789abcdef';

describe('image file names', () => {
  it('generates the reference pattern with 128 random bits, unique each time', () => {
    const names = new Set(
      Array.from({ length: 1000 }, () => newImageFilename(MESSAGE_ID, 1700000000001, IMAGE_TYPES.png)),
    );
    expect(names.size).toBe(1000);
    for (const name of names) {
      expect(name).toMatch(/^msg_1700000000000_0123456789abcdef_1700000000001_[0-9a-f]{32}\.png$/);
      expect(isImageFilename(name)).toBe(true);
    }
  });

  it('refuses to build a name around anything but a server message id', () => {
    for (const id of ['../../etc', 'msg_1_x/..', '', 'msg_1700000000000_0123456789abcdef/']) {
      expect(() => newImageFilename(id, 1, IMAGE_TYPES.png)).toThrow();
    }
  });

  it('accepts only generated names: no traversal, separators, dotfiles, NUL or other extensions', () => {
    const good = newImageFilename(MESSAGE_ID, 1700000000001, IMAGE_TYPES.webp);
    const bad = [
      '..',
      '../x.png',
      '/etc/passwd',
      '.hidden.png',
      `${good}\0.png`,
      `${good}/..`,
      `..\\${good}`,
      `/${good}`,
      good.replace('.webp', '.svg'),
      good.replace('.webp', '.html'),
      good.toUpperCase(),
      ` ${good}`,
      `${good}\n`,
      'msg_1_2_3_4.png',
      42,
      null,
    ];
    expect(isImageFilename(good)).toBe(true);
    for (const name of bad) expect(isImageFilename(name), String(name)).toBe(false);
    expect(isImageId('img_1700000000000_0123456789abcdef')).toBe(true);
    expect(isImageId('img_1700000000000_0123456789abcdef/../x')).toBe(false);
  });
});

describe('sniffing and processing', () => {
  it('knows the four formats by their first bytes and nothing else', async () => {
    for (const format of ['jpeg', 'png', 'gif', 'webp'] as const) {
      expect(sniffImageType(await makeImage(format))?.format).toBe(format);
    }
    for (const text of ['<svg/>', '<html>', 'BM', 'II*\0', '%PDF', ''])
      expect(sniffImageType(Buffer.from(text))).toBeNull();
  });

  const code = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (err: unknown) => (err instanceof AppError ? err.code : 'other'),
    );

  it('refuses a bomb by its declared size, and images over a lowered bound', async () => {
    expect(await code(processImage(pngBomb(), { maxPixels: 50_000_000 }))).toBe('IMAGE_TOO_MANY_PIXELS');
    expect(
      await code(processImage(await makeImage('jpeg', { width: 64, height: 48 }), { maxPixels: 64 * 48 - 1 })),
    ).toBe('IMAGE_TOO_MANY_PIXELS');
    expect(await code(processImage(await makeImage('jpeg', { width: 64, height: 48 }), { maxPixels: 64 * 48 }))).toBe(
      'ok',
    );
  });

  it('counts every frame of an animation against the bound', async () => {
    const gif = await makeAnimation('gif', 4, 10, 10);
    expect(await code(processImage(gif, { maxPixels: 399 }))).toBe('IMAGE_TOO_MANY_PIXELS');
    const ok = await processImage(gif, { maxPixels: 400 });
    expect([ok.width, ok.height, ok.frames]).toEqual([10, 10, 4]);
  });

  it('refuses truncated images and markup hiding in an image', async () => {
    const png = await makeImage('png');
    expect(await code(processImage(png.subarray(0, 40), { maxPixels: 1e6 }))).toBe('IMAGE_INVALID');
    const poly = Buffer.concat([png, Buffer.from('<script>alert(1)</script>')]);
    expect(await code(processImage(poly, { maxPixels: 1e6 }))).toBe('IMAGE_TYPE_UNSUPPORTED');
  });
});

describe('data: URLs', () => {
  it('decodes base64 and ignores the declared type', () => {
    expect(decodeDataUrl('data:image/svg+xml;base64,aGVsbG8=', 10).toString()).toBe('hello');
    expect(decodeDataUrl('data:image/png;charset=utf-8;base64,aGVsbG8=', 10).toString()).toBe('hello');
    expect(decodeDataUrl('data:;base64,aGVsbG8=', 10).toString()).toBe('hello');
  });

  it('refuses an oversized payload before decoding it, and anything that is not base64', () => {
    const big = `data:image/png;base64,${Buffer.alloc(101).toString('base64')}`;
    expect(() => decodeDataUrl(big, 100)).toThrow(expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }));
    expect(decodeDataUrl(`data:image/png;base64,${Buffer.alloc(100).toString('base64')}`, 100)).toHaveLength(100);
    for (const url of [
      'aGVsbG8=',
      'data:image/png,hello',
      'data:image/png;base64,a$b=',
      'data:image/png;base64,abc',
      'javascript:alert(1)',
    ]) {
      expect(() => decodeDataUrl(url, 100), url).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }));
    }
  });
});
