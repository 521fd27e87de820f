import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { STAGED_UPLOAD_STALE_MS } from '../defaults.js';
import { newImageKey, openSealedFile, sealingStream } from './image-cipher.js';
import { isMissingFile } from './missing-file.js';

/** An upload received in full and waiting, sealed on disk, for its turn to be processed. */
export interface StagedUpload {
  /** The plain bytes, read back into one buffer of exactly their size. */
  load(): Promise<Buffer>;
  /** Deletes the staged file; safe to call more than once. */
  discard(): Promise<void>;
}

/**
 * Where uploads land while they arrive: a private directory of sealed files, each under a key that
 * exists only in this process's memory. Uploads stream in at the client's pace without holding a
 * processing slot or their bytes in memory, and what a crash leaves behind can never be opened.
 * Each process stages in a directory of its own under `root`, so nodes that share an upload
 * directory never touch each other's uploads; what crashed processes left is swept by age.
 */
export class UploadStaging {
  private readonly dir: string;

  constructor(
    private readonly root: string,
    private readonly now: () => number,
  ) {
    this.dir = path.join(root, randomBytes(8).toString('hex'));
  }

  /** Makes this process's directory; `sweep` (the image janitor runs it at start) clears others' leftovers. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Deletes staged files older than `maxAgeMs` (sealed under keys that died with their process). */
  async sweep(maxAgeMs = STAGED_UPLOAD_STALE_MS): Promise<number> {
    const cutoff = this.now() - maxAgeMs;
    let removed = 0;
    for (const entry of await readdir(this.root, { withFileTypes: true }).catch(() => [])) {
      const dir = path.join(this.root, entry.name);
      if (!entry.isDirectory() || dir === this.dir) continue;
      for (const name of await readdir(dir).catch(() => [])) {
        const file = path.join(dir, name);
        try {
          if ((await stat(file)).mtimeMs > cutoff) continue;
          await unlink(file);
          removed++;
        } catch (err) {
          if (!isMissingFile(err)) throw err;
        }
      }
      // Emptied, or an idle node's: either way it is made again when next needed.
      await rmdir(dir).catch(() => undefined);
    }
    return removed;
  }

  /** Streams `source` to a sealed staging file; on any failure the file is gone before this rejects. */
  async stage(source: Readable): Promise<StagedUpload> {
    const name = `${randomBytes(16).toString('hex')}.part`;
    const file = path.join(this.dir, name);
    const key = newImageKey();
    let discarded = false;
    const discard = async () => {
      if (discarded) return;
      discarded = true;
      await unlink(file).catch(() => undefined);
    };
    try {
      // Another node's sweep may have taken this directory away while it stood empty.
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await pipeline(source, sealingStream(key, name), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    } catch (err) {
      await discard();
      throw err;
    }
    return { load: () => loadSealed(file, key, name), discard };
  }
}

async function loadSealed(file: string, key: Buffer, name: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    return await openSealedFile(handle, key, name);
  } finally {
    await handle.close();
  }
}
