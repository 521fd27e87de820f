import type { SealedPictureType } from '../src/client/e2e/image-envelope.js';

/** A picture redrawn by this page: its pixels only, no byte of the file it came from. */
export interface ScrubbedPicture {
  bytes: Uint8Array<ArrayBuffer>;
  type: SealedPictureType;
  width: number;
  height: number;
}

/** Longest side sent: plenty for a chat, and it keeps a phone photo far below the size limit. */
const MAX_SIDE = 2048;
const QUALITY = 0.86;
/** How often a picture still too large is redrawn smaller before giving up. */
const SHRINK_STEPS = 6;

/**
 * Decodes a picked, pasted or dropped file and draws it again onto a canvas, which is encoded anew:
 * EXIF (GPS position, camera, owner), XMP, ICC profiles and comments stay behind in the original,
 * and so does anything appended to it. The orientation is applied to the pixels first. Animations
 * keep their first frame. Rejects for a file the browser cannot decode as a picture.
 */
export async function scrubPicture(file: Blob, maxBytes: number): Promise<ScrubbedPicture> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    let scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    for (let step = 0; step < SHRINK_STEPS; step++, scale *= 0.7) {
      const width = Math.max(1, Math.round(bitmap.width * scale));
      const height = Math.max(1, Math.round(bitmap.height * scale));
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      canvas.getContext('2d')?.drawImage(bitmap, 0, 0, width, height);
      const blob = await encode(canvas);
      if (blob.size <= maxBytes) {
        return { bytes: new Uint8Array(await blob.arrayBuffer()), type: blob.type as SealedPictureType, width, height };
      }
    }
  } finally {
    bitmap.close();
  }
  throw new Error('The picture is too large to send, even made smaller.');
}

/** WebP where the browser encodes it (transparency kept, small); JPEG where it does not. */
async function encode(canvas: HTMLCanvasElement): Promise<Blob> {
  const webp = await toBlob(canvas, 'image/webp');
  if (webp?.type === 'image/webp') return webp;
  const jpeg = await toBlob(canvas, 'image/jpeg');
  if (jpeg?.type === 'image/jpeg') return jpeg;
  throw new Error('This browser cannot encode pictures.');
}

function toBlob(canvas: HTMLCanvasElement, type: string): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, QUALITY));
}
