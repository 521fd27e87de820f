import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ImageInput } from '../domain/image-intake.js';
import type { ImageService, OpenedImage } from '../domain/image-service.js';
import { AppError } from '../errors.js';
import { imageUrl } from '../media/image-names.js';
import type { StagedUpload } from '../media/upload-staging.js';
import { parseOr } from './parse.js';
import { imageDownloads, type ImageDownloadBounds } from './image-downloads.js';
import { watchIdle } from './upload-idle.js';
import type { RouteDoc } from './route-doc.js';

export interface ImageRouteDeps {
  images: ImageService;
  /** Takes an upload off the wire as it arrives, sealed, onto disk (UploadStaging#stage). */
  stage: (source: Readable) => Promise<StagedUpload>;
  maxUploadBytes: number;
  maxTtlSeconds: number;
  /** An upload silent this long is given up (408) and its connection closed. */
  uploadIdleTimeoutMs: number;
  /** How many image responses are sent at once, and how long one may go unread. */
  downloads: ImageDownloadBounds;
  /** The client's address as GhostChat keeps it (a keyed hash). */
  addressOf: (request: FastifyRequest) => Promise<string>;
  now: () => number;
}

/** More than any multipart envelope around one image and the two small fields needs. */
const MULTIPART_OVERHEAD = 64 * 1024;

/** The CSP of a served image: nothing may load, run or frame it, even if a browser renders it as a page. */
const IMAGE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

const Filename = z.object({ filename: z.string() });
const ImageIdParams = z.object({ imageId: z.string() });

function uploadFields(maxTtlSeconds: number) {
  return z.object({
    ttl: z
      .string()
      .regex(/^\d{1,9}$/, 'ttl must be whole seconds')
      .transform(Number)
      .pipe(z.int().min(0).max(maxTtlSeconds))
      .optional(),
    // Accepted for compatibility; file names are always generated from the server's own ids.
    messageId: z.string().max(200).optional(),
  });
}

export const UploadResponse = z.object({
  success: z.literal(true),
  imageId: z.string(),
  filename: z.string(),
  imageUrl: z.string(),
  size: z.int().min(0),
  mimeType: z.string(),
});

export const DeleteImageResponse = z.object({ success: z.literal(true), imageId: z.string() });

/** The OpenAPI description of the three routes; the schemas are the ones they parse with. */
function imageDocs(UploadFields: ReturnType<typeof uploadFields>): Record<'upload' | 'serve' | 'delete', RouteDoc> {
  return {
    upload: {
      summary: 'Upload an image (stored scrubbed and encrypted, in no room)',
      tags: ['images'],
      body: {
        contentType: 'multipart/form-data',
        schema: UploadFields.extend({ image: z.file().describe('The picture: JPEG, PNG, GIF or WebP') }),
      },
      responses: { 200: { description: 'Stored', schema: UploadResponse } },
      errors: [
        'PAYLOAD_INVALID',
        'IMAGE_TOO_LARGE',
        'IMAGE_TYPE_UNSUPPORTED',
        'IMAGE_INVALID',
        'IMAGE_TOO_MANY_PIXELS',
        'STORAGE_FULL',
        'IMAGES_BUSY',
        'UPLOAD_STALLED',
        'RATE_LIMITED',
        'STORE_UNAVAILABLE',
      ],
    },
    serve: {
      summary: 'The image bytes, until the image expires (fetching it never starts a burn)',
      tags: ['images'],
      params: Filename,
      responses: { 200: { description: 'The image, with its own Content-Type', contentType: 'image/*' } },
      errors: ['PAYLOAD_INVALID', 'NOT_FOUND', 'TOO_MANY_PENDING', 'IMAGES_BUSY', 'STORE_UNAVAILABLE'],
    },
    delete: {
      summary: 'Delete an image now, with the message that carries it',
      tags: ['images'],
      params: ImageIdParams,
      responses: { 200: { description: 'Deleted', schema: DeleteImageResponse } },
      errors: ['PAYLOAD_INVALID', 'NOT_FOUND', 'STORE_UNAVAILABLE'],
    },
  };
}

/** POST /api/upload-image, GET /api/image/:filename, DELETE /api/image/:imageId. */
export function imageRoutes(deps: ImageRouteDeps) {
  const UploadFields = uploadFields(deps.maxTtlSeconds);
  const docs = imageDocs(UploadFields);
  const downloads = imageDownloads(deps.downloads);
  return async (app: FastifyInstance) => {
    // Scoped to these routes. Busboy counts the file's bytes as they stream in and stops at the
    // limit; the part streams on into a sealed staging file, never whole into memory.
    await app.register(multipart, {
      limits: { fileSize: deps.maxUploadBytes, files: 1, fields: 8, fieldSize: 1024, parts: 10, headerPairs: 64 },
      throwFileSizeLimit: true,
    });

    app.post('/api/upload-image', { config: { doc: docs.upload, clientLimit: 'upload' } }, async (request, reply) => {
      if (!request.isMultipart())
        throw new AppError('PAYLOAD_INVALID', 'Send multipart/form-data with an `image` file');
      // A declared length that cannot hold an allowed image is refused before a byte is read.
      if (Number(request.headers['content-length']) > deps.maxUploadBytes + MULTIPART_OVERHEAD) {
        throw new AppError('IMAGE_TOO_LARGE');
      }
      const receive = async (): Promise<ImageInput> => {
        const fields: Record<string, string> = {};
        let file: { staged: StagedUpload; name: string } | null = null;
        try {
          for await (const part of request.parts()) {
            if (part.type === 'field') {
              if (typeof part.value === 'string') fields[part.fieldname] = part.value;
              continue;
            }
            if (part.fieldname !== 'image' || file) {
              part.file.resume();
              throw new AppError('PAYLOAD_INVALID', 'Send exactly one file, in the `image` field');
            }
            // Busboy stops counting the part at the size limit: staging stops there too, and what
            // was staged of it is discarded below.
            const tooLarge = new AppError('IMAGE_TOO_LARGE');
            part.file.once('limit', () => part.file.destroy(tooLarge));
            file = { staged: await deps.stage(part.file), name: part.filename };
            if (part.file.truncated) throw tooLarge;
          }
          if (!file) throw new AppError('PAYLOAD_INVALID', 'The `image` file is missing');
          const { ttl } = parseOr(UploadFields, fields);
          const { staged, name } = file;
          return {
            load: () => staged.load(),
            release: () => staged.discard(),
            abandoned: () => request.raw.socket.destroyed,
            name,
            ttl,
            owner: { addresses: request.clientAddresses ?? [] },
          };
        } catch (err) {
          await file?.staged.discard();
          throw err;
        }
      };
      // The body arrives before the upload asks for a place among the images being processed, so
      // a slow or stalled upload holds its own connection and nothing else; a silent one is let go.
      const read = async (): Promise<ImageInput> => {
        const idle = watchIdle(request.raw, deps.uploadIdleTimeoutMs);
        const receiving = receive();
        try {
          return await Promise.race([receiving, idle.stalled]);
        } catch (err) {
          // Whatever the abandoned receive still stages is thrown away when it settles.
          void receiving.then(
            (input) => input.release?.(),
            () => undefined,
          );
          if (err instanceof AppError && err.code === 'UPLOAD_STALLED') {
            // Answered, then cut: the body that never came would otherwise hold the parser open.
            void reply.header('Connection', 'close');
            reply.raw.once('finish', () => request.raw.destroy());
          }
          throw err;
        } finally {
          idle.stop();
        }
      };
      const record = await deps.images.upload(() => read().catch((err: unknown) => toUploadError(err, request.raw)));
      return {
        success: true,
        imageId: record.id,
        filename: record.filename,
        imageUrl: imageUrl(record.filename),
        size: record.size,
        mimeType: record.mimeType,
      };
    });

    const imageHeaders = (reply: FastifyReply, image: Omit<OpenedImage, 'stream'>) => {
      const remaining = Math.max(0, Math.floor((image.expiresAt - deps.now()) / 1000));
      return (
        reply
          .header('Content-Type', image.mimeType)
          .header('X-Content-Type-Options', 'nosniff')
          .header('Content-Security-Policy', IMAGE_CSP)
          .header('Referrer-Policy', 'no-referrer')
          // Never `public`: a shared cache would outlive the image. A burning image is not cached at all.
          .header('Cache-Control', image.burnAfterReading ? 'private, no-store' : `private, max-age=${remaining}`)
          .header('Content-Length', image.bytes)
      );
    };

    // HEAD has a handler of its own: Fastify's automatic one would run GET and read
    // (and decrypt) the whole file only to drop it.
    app.get('/api/image/:filename', { config: { doc: docs.serve }, exposeHeadRoute: false }, async (request, reply) => {
      const { filename } = parseOr(Filename, request.params);
      downloads.admit(reply, await deps.addressOf(request));
      const image = await deps.images.open(filename);
      return imageHeaders(reply, image).send(image.stream);
    });

    app.head('/api/image/:filename', { config: { doc: docs.serve } }, async (request, reply) => {
      const { filename } = parseOr(Filename, request.params);
      return imageHeaders(reply, await deps.images.describe(filename)).send();
    });

    app.delete('/api/image/:imageId', { config: { doc: docs.delete } }, async (request) => {
      const { imageId } = parseOr(ImageIdParams, request.params);
      await deps.images.delete(imageId);
      return { success: true, imageId };
    });
  };
}

/**
 * What reading an upload can fail with, in the catalogue's words: multipart's limits; a client that
 * went away; a body that is not well-formed multipart (no boundary, cut short: the parser's errors
 * carry no code). Only what remains (the disk failed) is a server error.
 */
function toUploadError(err: unknown, request: IncomingMessage): never {
  if (err instanceof AppError) throw err;
  const code = (err as { code?: unknown }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('IMAGE_TOO_LARGE');
  if (typeof code === 'string' && code.startsWith('FST_') && code.endsWith('_LIMIT')) {
    throw new AppError('PAYLOAD_INVALID', 'Too many parts, files or fields');
  }
  if (request.destroyed || request.socket.destroyed) throw new AppError('PAYLOAD_INVALID', 'The upload was abandoned');
  if (code === undefined || (typeof code === 'string' && code.startsWith('FST_'))) {
    throw new AppError('PAYLOAD_INVALID', 'The body is not well-formed multipart/form-data');
  }
  throw err;
}
