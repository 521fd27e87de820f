/** The only image formats GhostChat stores, identified by their leading bytes. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

export interface ImageType {
  format: ImageFormat;
  mimeType: `image/${ImageFormat}`;
  ext: 'jpg' | 'png' | 'gif' | 'webp';
  /** GIF and WebP may hold several frames; they are decoded and re-encoded as animations. */
  animatable: boolean;
}

export const IMAGE_TYPES: Record<ImageFormat, ImageType> = {
  jpeg: { format: 'jpeg', mimeType: 'image/jpeg', ext: 'jpg', animatable: false },
  png: { format: 'png', mimeType: 'image/png', ext: 'png', animatable: false },
  gif: { format: 'gif', mimeType: 'image/gif', ext: 'gif', animatable: true },
  webp: { format: 'webp', mimeType: 'image/webp', ext: 'webp', animatable: true },
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ascii(bytes: Buffer, start: number, end: number): string {
  return bytes.subarray(start, end).toString('latin1');
}

/**
 * Identifies the format from magic bytes alone: the client's MIME type and file name are never
 * asked. Anything else (SVG, HTML, PDF, TIFF, HEIC, ...) is null.
 */
export function sniffImageType(bytes: Buffer): ImageType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return IMAGE_TYPES.jpeg;
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return IMAGE_TYPES.png;
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return IMAGE_TYPES.gif;
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return IMAGE_TYPES.webp;
  return null;
}

export function imageTypeOfMime(mimeType: string): ImageType | null {
  return Object.values(IMAGE_TYPES).find((t) => t.mimeType === mimeType) ?? null;
}

/** How a stored file is named and served: an image's type, or that of an opaque sealed image. */
export interface StoredType {
  mimeType: string;
  ext: string;
}

/** An image the client sealed itself (docs/E2E-ENCRYPTION.md): bytes the server cannot and does not decode. */
export const SEALED_IMAGE_TYPE = { mimeType: 'application/octet-stream', ext: 'bin' } as const satisfies StoredType;
