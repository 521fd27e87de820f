import type { FastifyReply } from 'fastify';
import { IMAGES_BUSY_RETRY_AFTER_SECONDS } from '../defaults.js';
import { AppError } from '../errors.js';

export interface ImageDownloads {
  /**
   * Takes a place for the image response of `reply` until it closes (sent, or its connection
   * gone); none free: IMAGES_BUSY, with Retry-After.
   */
  admit(reply: FastifyReply): void;
}

/**
 * Bounds what image responses hold in this process. A response whose client stops reading keeps a
 * piece read from the store and one opened (~600 KiB with MEDIA_STORE=redis) for as long as its
 * connection lasts: at most `max` responses are sent at once, and one whose socket takes nothing
 * for `idleMs` (the socket's idle timer, which each piece the kernel takes restarts) is cut off.
 */
export function imageDownloads(max: number, idleMs: number): ImageDownloads {
  let open = 0;
  return {
    admit(reply) {
      if (open >= max) {
        void reply.header('Retry-After', String(IMAGES_BUSY_RETRY_AFTER_SECONDS));
        throw new AppError('IMAGES_BUSY');
      }
      open++;
      reply.raw.once('close', () => open--);
      // Destroying the response ends the pipeline from the store, which lets go of its pieces.
      reply.raw.setTimeout(idleMs, () => reply.raw.destroy());
    },
  };
}
