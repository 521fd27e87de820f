import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalMediaStore } from '../../src/media/local-media-store.js';
import { removeDir, tempUploadDir } from '../helpers/images.js';

// What only a directory does; what every media store does is in test/contract/media-store.test.ts.

const from = (bytes: Buffer) => Readable.from([bytes]);
const file = (bytes: number) => ({ bytes, expiresAt: Date.now() + 3_600_000 });

const name = (n: number, ext = 'png') =>
  `msg_1700000000000_0123456789abcdef_1700000000001_${n.toString(16).padStart(32, '0')}.${ext}`;

describe('LocalMediaStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempUploadDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('writes owner-only files', async () => {
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    await store.write(name(1), from(Buffer.from('sealed')), file(6));
    expect(((await stat(path.join(dir, name(1)))).mode & 0o777).toString(8)).toBe('600');
  });

  it('never reads, lists or deletes files in its directory that it did not name', async () => {
    await writeFile(path.join(dir, '.secret'), 'secret');
    await writeFile(path.join(dir, 'notes.txt'), 'not ours');
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    for (const bad of ['.secret', 'notes.txt']) {
      expect(await store.read(bad)).toBeNull();
      expect(await store.delete(bad)).toBe(false);
    }
    expect(await store.list()).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['.secret', 'notes.txt']);
  });

  it('counts what was in the directory at start', async () => {
    await writeFile(path.join(dir, name(1)), Buffer.alloc(400));
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    expect(await store.usage()).toEqual({ bytes: 400, limit: 1000 });
    await expect(store.write(name(3), from(Buffer.alloc(601)), file(601))).rejects.toMatchObject({
      code: 'STORAGE_FULL',
    });
  });

  it('leaves a file written behind its back alone, and its own count with it', async () => {
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    await store.write(name(1), from(Buffer.from('first')), file(5));
    await writeFile(path.join(dir, name(2)), 'outside');
    await expect(store.write(name(2), from(Buffer.from('other')), file(5))).rejects.toThrow();
    expect((await store.usage()).bytes).toBe(5);
    expect(await text((await store.read(name(2)))!.stream)).toBe('outside');
  });
});
