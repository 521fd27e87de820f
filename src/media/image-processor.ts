import sharp, { type Sharp } from 'sharp';
import { IMAGE_PROCESSING_TIMEOUT_SECONDS, IMAGE_REENCODE_QUALITY } from '../defaults.js';
import { AppError } from '../errors.js';
import { sniffImageType, type ImageType } from './image-type.js';
import { holdsMarkup } from './markup-scan.js';

export interface ImageLimits {
  /** Declared width x height (all frames together) above which an image is refused undecoded. */
  maxPixels: number;
}

export interface ProcessedImage {
  /** Re-encoded by the server: no metadata, nothing of the upload's bytes but its pixels. */
  bytes: Buffer;
  type: ImageType;
  width: number;
  /** One frame's height for animations. */
  height: number;
  frames: number;
}

// libvips caches decoded images by default; a chat server never serves the same upload twice.
sharp.cache(false);

/**
 * Checks an upload and re-encodes it: magic bytes decide the format, the header's declared size
 * is bounded before anything is decoded, and the re-encoded output keeps the pixels (and every
 * frame of an animation) but no EXIF, XMP, ICC, comments or trailing bytes.
 */
export async function processImage(input: Buffer, limits: ImageLimits): Promise<ProcessedImage> {
  const type = sniffImageType(input);
  if (!type) throw new AppError('IMAGE_TYPE_UNSUPPORTED');
  if (holdsMarkup(input)) {
    throw new AppError('IMAGE_TYPE_UNSUPPORTED', 'The file holds markup as well as an image; refused');
  }
  const open = () => sharp(input, { animated: type.animatable, limitInputPixels: limits.maxPixels, failOn: 'error' });

  const meta = await open()
    .metadata()
    .catch((err: Error) => {
      throw decodeError(err);
    });
  if (meta.format !== type.format) throw new AppError('IMAGE_TYPE_UNSUPPORTED');
  if (!meta.width || !meta.height) throw new AppError('IMAGE_INVALID');
  // sharp enforces the same bound while decoding; checking the header first says why, and early.
  if (meta.width * meta.height > limits.maxPixels) throw new AppError('IMAGE_TOO_MANY_PIXELS');

  let pipeline = open().timeout({ seconds: IMAGE_PROCESSING_TIMEOUT_SECONDS });
  // Orientation is metadata too: apply it to the pixels, then it can be dropped with the rest.
  if (type.format === 'jpeg') pipeline = pipeline.autoOrient();
  const { data, info } = await encode(pipeline, type)
    .toBuffer({ resolveWithObject: true })
    .catch((err: Error) => {
      throw decodeError(err);
    });
  return {
    bytes: data,
    type,
    width: info.width,
    height: info.pageHeight ?? info.height,
    frames: info.pages ?? 1,
  };
}

/** Same format out as in; sharp writes no metadata unless asked to (and it is never asked). */
function encode(pipeline: Sharp, type: ImageType): Sharp {
  switch (type.format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: IMAGE_REENCODE_QUALITY });
    case 'png':
      return pipeline.png();
    case 'gif':
      return pipeline.gif();
    case 'webp':
      return pipeline.webp({ quality: IMAGE_REENCODE_QUALITY });
  }
}

function decodeError(err: Error): AppError {
  if (/pixel limit/i.test(err.message)) return new AppError('IMAGE_TOO_MANY_PIXELS');
  return new AppError('IMAGE_INVALID');
}
