import { randomBytes } from 'node:crypto';
import { multipart } from './images.js';

/**
 * A PNG of random noise just under `sizeMb` MB (noise does not compress), as a multipart upload.
 * Built with sharp, which GhostChat already depends on.
 */
export async function imageUpload(sizeMb: number): Promise<{ body: Buffer; contentType: string }> {
  const { default: sharp } = await import('sharp');
  const side = Math.floor(Math.sqrt((sizeMb * 2 ** 20 * 0.97) / 3));
  const raw = randomBytes(side * side * 3);
  const png = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return multipart({}, 'image', 'bench.png', 'image/png', png);
}
