import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalMediaStore } from '../../src/media/local-media-store.js';
import { removeDir, tempUploadDir } from '../helpers/images.js';

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
    await store.write(name(1), Buffer.from('sealed'));
    expect(((await stat(path.join(dir, name(1)))).mode & 0o777).toString(8)).toBe('600');
    expect((await store.read(name(1)))?.toString()).toBe('sealed');
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
      await expect(store.write(bad, Buffer.from('x'))).rejects.toThrow();
    }
    expect(await store.list()).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['.secret', 'notes.txt']);
  });

  it('bounds total bytes, counting what was there at start, and frees space on delete', async () => {
    await writeFile(path.join(dir, name(1)), Buffer.alloc(400));
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    expect(store.usage()).toEqual({ bytes: 400, limit: 1000 });
    await store.write(name(2), Buffer.alloc(600));
    await expect(store.write(name(3), Buffer.alloc(1))).rejects.toMatchObject({ code: 'STORAGE_FULL' });
    expect(await store.read(name(1))).not.toBeNull();
    await store.delete(name(1));
    await store.write(name(3), Buffer.alloc(400));
    expect(store.usage().bytes).toBe(1000);
  });

  it('does not let concurrent writes overshoot the bound together', async () => {
    const store = new LocalMediaStore(dir, 1000);
    await store.init();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.write(name(i), Buffer.alloc(300))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(store.usage().bytes).toBe(900);
  });
});
