import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalMediaStore } from '../../src/media/local-media-store.js';
import { removeDir, tempUploadDir } from '../helpers/images.js';

/** A source that yields `bytes` in small chunks, as a sealing stream would. */
const from = (bytes: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / 100) }, (_, i) => bytes.subarray(i * 100, (i + 1) * 100)),
  );

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

  it('writes owner-only files, reads and deletes them', async () => {
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    await store.write(name(1), from(Buffer.from('sealed')), 6);
    expect(((await stat(path.join(dir, name(1)))).mode & 0o777).toString(8)).toBe('600');
    const reader = await store.read(name(1));
    expect(reader?.bytes).toBe(6);
    expect(await text(reader!.stream)).toBe('sealed');
    expect(await store.delete(name(1))).toBe(true);
    expect(await store.delete(name(1))).toBe(false);
    expect(await store.read(name(1))).toBeNull();
  });

  it('never reaches outside its directory or touches names it did not generate', async () => {
    await writeFile(path.join(dir, '.secret'), 'secret');
    await writeFile(path.join(dir, 'notes.txt'), 'not ours');
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    for (const bad of ['../x.png', '.secret', 'notes.txt', `${name(1)}\0`, `/etc/passwd`, '..']) {
      expect(await store.read(bad)).toBeNull();
      expect(await store.delete(bad)).toBe(false);
      await expect(store.write(bad, from(Buffer.from('x')), 1)).rejects.toThrow();
    }
    expect(await store.list()).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['.secret', 'notes.txt']);
  });

  it('bounds total bytes, counting what was there at start, and frees space on delete', async () => {
    await writeFile(path.join(dir, name(1)), Buffer.alloc(400));
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    expect(store.usage()).toEqual({ bytes: 400, limit: 1000 });
    await store.write(name(2), from(Buffer.alloc(600)), 600);
    await expect(store.write(name(3), from(Buffer.alloc(1)), 1)).rejects.toMatchObject({ code: 'STORAGE_FULL' });
    expect(await store.read(name(1))).not.toBeNull();
    await store.delete(name(1));
    await store.write(name(3), from(Buffer.alloc(400)), 400);
    expect(store.usage().bytes).toBe(1000);
  });

  it('does not let concurrent writes overshoot the bound together', async () => {
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.write(name(i), from(Buffer.alloc(300)), 300)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(store.usage().bytes).toBe(900);
    expect(await readdir(dir)).toHaveLength(3);
  });

  it('keeps nothing of a write that fails part-way: a broken source, or one that lies about its length', async () => {
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    await expect(store.write(name(1), from(Buffer.alloc(500)), 400)).rejects.toThrow('longer');
    await expect(store.write(name(4), from(Buffer.alloc(300)), 400)).rejects.toThrow('shorter');
    const broken = Readable.from(
      (async function* () {
        yield Buffer.alloc(200);
        throw new Error('client went away');
      })(),
    );
    await expect(store.write(name(2), broken, 400)).rejects.toThrow('client went away');
    // A source that fails before the file is even open leaves no empty file behind either.
    const stillborn = Readable.from(
      (async function* () {
        yield* [];
        throw new Error('never started');
      })(),
    );
    await expect(store.write(name(5), stillborn, 400)).rejects.toThrow('never started');
    expect(await readdir(dir)).toEqual([]);
    expect(store.usage().bytes).toBe(0);
    await store.write(name(3), from(Buffer.alloc(1000)), 1000);
    expect(store.usage().bytes).toBe(1000);
  });

  it('never overwrites a file, and a refused write leaves the count of the one there alone', async () => {
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    await store.write(name(1), from(Buffer.from('first')), 5);
    await expect(store.write(name(1), from(Buffer.from('other')), 5)).rejects.toThrow();
    // Written behind the store's back: the disk refuses the second write on its own.
    await writeFile(path.join(dir, name(2)), 'outside');
    await expect(store.write(name(2), from(Buffer.from('other')), 5)).rejects.toThrow();
    expect(store.usage().bytes).toBe(5);
    expect(await text((await store.read(name(1)))!.stream)).toBe('first');
    expect(await text((await store.read(name(2)))!.stream)).toBe('outside');
  });
});
