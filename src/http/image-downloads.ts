import type { FastifyReply } from 'fastify';
import { IMAGES_BUSY_RETRY_AFTER_SECONDS } from '../defaults.js';
import { AppError } from '../errors.js';

export interface ImageDownloadBounds {
  /** Responses this process sends at once (MAX_IMAGE_DOWNLOADS). */
  max: number;
  /** Of those, from one address (MAX_IMAGE_DOWNLOADS_PER_ADDRESS; Infinity: no limit). */
  perAddress: number;
  /** A response whose socket takes nothing this long is cut off (DOWNLOAD_IDLE_TIMEOUT_MS). */
  idleMs: number;
}

export interface ImageDownloads {
  /**
   * Takes a place for the image response of `reply`, from `address` (hashed), until it closes
   * (sent, or its connection gone). None free: TOO_MANY_PENDING for that address, IMAGES_BUSY for
   * the process, either with Retry-After.
   */
  admit(reply: FastifyReply, address: string): void;
}

/**
 * Bounds what image responses hold in this process. A response whose client stops reading keeps a
 * piece read from the store and one opened (~600 KiB with MEDIA_STORE=redis) for as long as its
 * connection lasts: at most `max` responses are sent at once, `perAddress` of them to one address
 * (so one client cannot take every place), and one whose socket takes nothing for `idleMs` (the
 * socket's idle timer, which each piece the kernel takes restarts) is cut off.
 */
export function imageDownloads(bounds: ImageDownloadBounds): ImageDownloads {
  let open = 0;
  const byAddress = new Map<string, number>();
  return {
    admit(reply, address) {
      const mine = byAddress.get(address) ?? 0;
      const refusal = mine >= bounds.perAddress ? 'TOO_MANY_PENDING' : open >= bounds.max ? 'IMAGES_BUSY' : null;
      if (refusal) {
        void reply.header('Retry-After', String(IMAGES_BUSY_RETRY_AFTER_SECONDS));
        throw new AppError(refusal);
      }
      open++;
      byAddress.set(address, mine + 1);
      reply.raw.once('close', () => {
        open--;
        const left = (byAddress.get(address) ?? 1) - 1;
        if (left === 0) byAddress.delete(address);
        else byAddress.set(address, left);
      });
      // Destroying the response ends the pipeline from the store, which lets go of its pieces.
      reply.raw.setTimeout(bounds.idleMs, () => reply.raw.destroy());
    },
  };
}
