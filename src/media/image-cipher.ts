import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';

// Sealed layout: version, nonce prefix, then segments of SEGMENT plain bytes (the last may be
// shorter or empty), each encrypted with AES-256-GCM and followed by its own tag. A segment's nonce
// is the prefix, its index and whether it is the last (the STREAM construction), so segments
// cannot be reordered, dropped or cut off at the end unnoticed. Bytes are therefore sealed as they
// stream to storage and opened as they stream out, and no plain byte is released before the
// segment that holds it has been authenticated.
const VERSION = 2;
const PREFIX_BYTES = 7;
const HEADER_BYTES = 1 + PREFIX_BYTES;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const SEGMENT = 64 * 1024;
const SEALED_SEGMENT = SEGMENT + TAG_BYTES;

/** A fresh AES-256 key: one per image (or staged upload), never reused. */
export function newImageKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const iv = Buffer.alloc(12);
  prefix.copy(iv, 0);
  iv.writeUInt32BE(index, PREFIX_BYTES);
  iv[11] = last ? 1 : 0;
  return iv;
}

/** Plain bytes in fixed segments: `full` is called for each segment once more bytes follow it. */
class Segmenter {
  private readonly buffer: Buffer;
  private filled = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  add(chunk: Buffer, full: (segment: Buffer) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.filled === this.buffer.length) {
        full(this.buffer);
        this.filled = 0;
      }
      const n = chunk.copy(this.buffer, this.filled, at);
      this.filled += n;
      at += n;
    }
  }

  /** What is left: the last segment. */
  rest(): Buffer {
    return this.buffer.subarray(0, this.filled);
  }
}

/**
 * Seals a stream under `key`: plain bytes in, sealed bytes out. The file name is authenticated
 * data, so a file renamed or swapped on disk does not open under another file's key.
 */
export function sealingStream(key: Buffer, filename: string): Transform {
  const prefix = randomBytes(PREFIX_BYTES);
  const aad = Buffer.from(filename, 'utf8');
  const segments = new Segmenter(SEGMENT);
  let index = 0;
  const seal = (stream: Transform, plain: Buffer, last: boolean) => {
    const cipher = createCipheriv('aes-256-gcm', key, nonce(prefix, index++, last), { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    stream.push(cipher.update(plain));
    cipher.final();
    stream.push(cipher.getAuthTag());
  };
  return new Transform({
    construct(done) {
      this.push(Buffer.concat([Buffer.from([VERSION]), prefix]));
      done();
    },
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      segments.add(chunk, (segment) => seal(this, segment, false));
      done();
    },
    flush(done: TransformCallback) {
      seal(this, segments.rest(), true);
      done();
    },
  });
}

/** One segment's plain bytes, once its tag has been checked. */
function openSegment(key: Buffer, iv: Buffer, aad: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new Error('a sealed segment is cut short');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    throw new Error('the sealed bytes do not open under this key and name');
  }
  return plain;
}

/**
 * The reverse of sealingStream. Each segment is authenticated before its bytes flow on; a wrong
 * key or name, a flipped bit, a missing or extra segment fails the stream with nothing of that
 * segment released.
 */
export function openingStream(key: Buffer, filename: string): Transform {
  if (key.length !== KEY_BYTES) throw new Error('bad image key');
  const aad = Buffer.from(filename, 'utf8');
  let header = Buffer.alloc(0);
  let prefix: Buffer | null = null;
  const segments = new Segmenter(SEALED_SEGMENT);
  let index = 0;
  const open = (stream: Transform, sealed: Buffer, last: boolean) => {
    stream.push(openSegment(key, nonce(prefix!, index++, last), aad, sealed));
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        if (!prefix) {
          header = Buffer.concat([header, chunk]);
          if (header.length < HEADER_BYTES) return done();
          if (header[0] !== VERSION) throw new Error('not a sealed file');
          prefix = header.subarray(1, HEADER_BYTES);
          chunk = header.subarray(HEADER_BYTES);
        }
        segments.add(chunk, (segment) => open(this, segment, false));
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!prefix) throw new Error('not a sealed file');
        open(this, segments.rest(), true);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/** The length of the sealed file for `plainBytes` plain bytes. */
export function sealedSize(plainBytes: number): number {
  return HEADER_BYTES + plainBytes + Math.max(1, Math.ceil(plainBytes / SEGMENT)) * TAG_BYTES;
}

/**
 * Opens a whole sealed file into one buffer of exactly its plain size, reading it segment by
 * segment through a single reused buffer (the way to load an image that must be decoded whole).
 */
export async function openSealedFile(file: FileHandle, key: Buffer, filename: string): Promise<Buffer> {
  if (key.length !== KEY_BYTES) throw new Error('bad image key');
  const { size } = await file.stat();
  const total = plainSize(size);
  if (total === null) throw new Error('not a sealed file');
  const header = Buffer.alloc(HEADER_BYTES);
  await readExactly(file, header, 0);
  if (header[0] !== VERSION) throw new Error('not a sealed file');
  const prefix = header.subarray(1);
  const aad = Buffer.from(filename, 'utf8');
  const plain = Buffer.allocUnsafe(total);
  const segment = Buffer.allocUnsafe(SEALED_SEGMENT);
  let position = HEADER_BYTES;
  for (let index = 0, at = 0; position < size; index++) {
    const length = Math.min(SEALED_SEGMENT, size - position);
    await readExactly(file, segment.subarray(0, length), position);
    position += length;
    const last = position === size;
    at += openSegment(key, nonce(prefix, index, last), aad, segment.subarray(0, length)).copy(plain, at);
  }
  return plain;
}

async function readExactly(file: FileHandle, into: Buffer, position: number): Promise<void> {
  for (let at = 0; at < into.length;) {
    const { bytesRead } = await file.read(into, at, into.length - at, position + at);
    if (bytesRead === 0) throw new Error('the sealed file ended early');
    at += bytesRead;
  }
}

/** The plain length of a sealed file of `sealedBytes`, or null when no sealed file has that length. */
export function plainSize(sealedBytes: number): number | null {
  const body = sealedBytes - HEADER_BYTES;
  const lastSegment = body % SEALED_SEGMENT;
  // Every segment ends in a tag: a last segment shorter than one cannot have been written.
  if (body < TAG_BYTES || (lastSegment > 0 && lastSegment < TAG_BYTES)) return null;
  return body - Math.ceil(body / SEALED_SEGMENT) * TAG_BYTES;
}

export function encodeKey(key: Buffer): string {
  return key.toString('base64');
}

export function decodeKey(key: string): Buffer {
  return Buffer.from(key, 'base64');
}
