import { randomBytes } from 'node:crypto';
import { mkdtemp, open as openFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  newImageKey,
  openingStream,
  openSealedFile,
  plainSize,
  sealedSize,
  sealingStream,
} from '../../src/media/image-cipher.js';

const SEGMENT = 64 * 1024;
const SEALED_SEGMENT = SEGMENT + 16;

function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

/** Runs `bytes` through `transform` in chunks of `chunkSize`; what came out, and the error if any. */
async function run(
  bytes: Buffer,
  transform: NodeJS.ReadWriteStream,
  chunkSize = 7000,
): Promise<{ out: Buffer; error: Error | null }> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      done();
    },
  });
  const error = await pipeline(Readable.from(chunks(bytes, chunkSize)), transform, sink).then(
    () => null,
    (err: Error) => err,
  );
  return { out: Buffer.concat(parts), error };
}

async function seal(plain: Buffer, key: Buffer, name = 'a.png', chunkSize?: number): Promise<Buffer> {
  const { out, error } = await run(plain, sealingStream(key, name), chunkSize);
  expect(error).toBeNull();
  return out;
}

const open = (sealed: Buffer, key: Buffer, name = 'a.png', chunkSize?: number) =>
  run(sealed, openingStream(key, name), chunkSize);

describe('sealing streams', () => {
  it.each([0, 1, 100, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 5])(
    'round-trips %i bytes whatever the chunking, and knows the plain size from the sealed one',
    async (size) => {
      const plain = randomBytes(size);
      const key = newImageKey();
      for (const chunkSize of [1000, 65_537, 1 << 20]) {
        const sealed = await seal(plain, key, 'a.png', chunkSize);
        expect(sealed.length).toBe(sealedSize(size));
        expect(plainSize(sealed.length)).toBe(size);
        const opened = await open(sealed, key, 'a.png', chunkSize === 1000 ? 13 : chunkSize);
        expect(opened.error).toBeNull();
        expect(opened.out.equals(plain)).toBe(true);
      }
    },
  );

  it('knows which lengths no sealed file can have', () => {
    for (const length of [
      0,
      7,
      8,
      8 + 15,
      8 + SEALED_SEGMENT + 1,
      8 + SEALED_SEGMENT + 15,
      8 + 3 * SEALED_SEGMENT + 15,
    ]) {
      expect(plainSize(length), String(length)).toBeNull();
    }
    for (const size of [0, 1, SEGMENT, SEGMENT + 1, 5 * SEGMENT]) expect(plainSize(sealedSize(size))).toBe(size);
  });

  it('holds neither the plain bytes nor the key, and never seals the same bytes the same way twice', async () => {
    const plain = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n'), randomBytes(2 * SEGMENT)]);
    const key = newImageKey();
    const a = await seal(plain, key);
    const b = await seal(plain, key);
    expect(a.includes(plain.subarray(0, 8))).toBe(false);
    expect(a.includes(plain.subarray(SEGMENT, SEGMENT + 32))).toBe(false);
    expect(a.includes(key)).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a wrong key or a wrong name', async () => {
    const plain = randomBytes(1000);
    const key = newImageKey();
    const sealed = await seal(plain, key, 'a.png');
    expect((await open(sealed, newImageKey(), 'a.png')).error).not.toBeNull();
    expect((await open(sealed, key, 'b.png')).error).not.toBeNull();
    expect(() => openingStream(Buffer.alloc(16), 'a.png')).toThrow();
  });

  it('releases nothing of a tampered segment, and notices segments cut off, dropped, swapped or added', async () => {
    const plain = randomBytes(3 * SEGMENT + 100);
    const key = newImageKey();
    const sealed = await seal(plain, key);
    const header = sealed.subarray(0, 8);
    const segment = (i: number) => sealed.subarray(8 + i * SEALED_SEGMENT, 8 + (i + 1) * SEALED_SEGMENT);

    const flipped = Buffer.from(sealed);
    flipped[8 + SEALED_SEGMENT + 10]! ^= 1;
    const tampered = await open(flipped, key);
    expect(tampered.error).not.toBeNull();
    // The first segment was authentic and may flow; nothing of the second (or later) does.
    expect(tampered.out.length).toBeLessThanOrEqual(SEGMENT);
    expect(tampered.out.equals(plain.subarray(0, tampered.out.length))).toBe(true);

    const variants = {
      'cut after a whole segment': Buffer.concat([header, segment(0), segment(1), segment(2)]),
      'middle segment dropped': Buffer.concat([header, segment(0), segment(2), segment(3)]),
      'segments swapped': Buffer.concat([header, segment(1), segment(0), segment(2), segment(3)]),
      'bytes appended': Buffer.concat([sealed, Buffer.from('extra')]),
      'tag cut short': sealed.subarray(0, sealed.length - 1),
      'header only': header,
      'wrong version': Buffer.concat([Buffer.from([1]), sealed.subarray(1)]),
      empty: Buffer.alloc(0),
    };
    for (const [label, bytes] of Object.entries(variants)) {
      expect((await open(bytes, key)).error, label).not.toBeNull();
    }
  });
});

describe('opening a sealed file whole', () => {
  async function openFromDisk(sealed: Buffer, key: Buffer, name: string): Promise<Buffer> {
    const dir = await mkdtemp(path.join(tmpdir(), 'ghostchat-sealed-'));
    try {
      await writeFile(path.join(dir, 'f'), sealed);
      const handle = await openFile(path.join(dir, 'f'), 'r');
      try {
        return await openSealedFile(handle, key, name);
      } finally {
        await handle.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it.each([0, 5, SEGMENT, 2 * SEGMENT + 7])('reads %i bytes back into one buffer of their size', async (size) => {
    const plain = randomBytes(size);
    const key = newImageKey();
    const opened = await openFromDisk(await seal(plain, key), key, 'a.png');
    expect(opened.length).toBe(size);
    expect(opened.equals(plain)).toBe(true);
  });

  it('refuses what the stream refuses: another key, another name, a flipped bit, a cut', async () => {
    const plain = randomBytes(2 * SEGMENT + 7);
    const key = newImageKey();
    const sealed = await seal(plain, key);
    const flipped = Buffer.from(sealed);
    flipped[sealed.length - 20]! ^= 1;
    await expect(openFromDisk(sealed, newImageKey(), 'a.png')).rejects.toThrow();
    await expect(openFromDisk(sealed, key, 'b.png')).rejects.toThrow();
    await expect(openFromDisk(flipped, key, 'a.png')).rejects.toThrow();
    await expect(openFromDisk(sealed.subarray(0, 8 + SEALED_SEGMENT), key, 'a.png')).rejects.toThrow();
    await expect(openFromDisk(sealed.subarray(0, 4), key, 'a.png')).rejects.toThrow();
  });
});
