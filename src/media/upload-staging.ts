import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newImageKey, openSealedFile, sealingStream } from './image-cipher.js';

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
 */
export class UploadStaging {
  constructor(private readonly dir: string) {}

  /** Creates the directory, emptied: files from an earlier run are sealed under keys that died with it. */
  async init(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
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
