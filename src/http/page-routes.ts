import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { isPageHost, pageOrigins } from '../lib/page-origin.js';
import { loadBuiltPage, type PageFile } from './built-page.js';
import { parseOr } from './parse.js';
import type { RouteDoc } from './route-doc.js';

export interface PageRouteDeps {
  /** Where `npm run build:web` put the page (builtPageDir). */
  dir: string;
  /** Config.pageOrigins: PUBLIC_URL, or null for the loopback names of the port a request came in on. */
  pageOrigins: readonly string[] | null;
}

/**
 * Nothing but this origin's own files: no inline script or style, no eval, no frames, no forms
 * posting anywhere, and connections (fetch, socket.io's WebSocket and polling) to this origin only.
 * Images may be `blob:`/`data:` URLs, which is how decrypted pictures are shown.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': PAGE_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const AssetParams = z.object({ file: z.string().regex(/^[\w.-]{1,100}$/) });

const NOT_BUILT =
  "GhostChat's chat page is not built here (dist/web is missing). Run `npm run build` (npm start does it) " +
  'and restart the server. The REST API and socket.io work without it.\n';

function sendFile(request: FastifyRequest, reply: FastifyReply, file: PageFile, cacheControl: string) {
  void reply.header('Cache-Control', cacheControl).header('ETag', file.etag).header('Vary', 'Origin, Accept-Encoding');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  void reply.type(file.contentType);
  if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
    return reply.header('Content-Encoding', 'gzip').send(file.gzipped);
  }
  return reply.send(file.body);
}

/**
 * The chat page at `/`, its hashed assets under `/assets/`, and `/SHA256SUMS`. Every response here
 * carries the CSP above; the page is answered only to requests addressed to one of its origins.
 */
export function pageRoutes(deps: PageRouteDeps) {
  return async (app: FastifyInstance) => {
    const page = await loadBuiltPage(deps.dir);
    if (!page) app.log.warn({ event: 'page-not-built' }, 'chat page not built (dist/web missing); run npm run build');

    app.addHook('onSend', async (_request, reply, payload) => {
      void reply.headers(SECURITY_HEADERS);
      return payload;
    });
    // DNS rebinding: a hostile name pointed at this server reaches it with its own Host. Refused,
    // so this page never runs under an origin the socket.io origin check would not let in either.
    app.addHook('onRequest', async (request, reply) => {
      const origins = pageOrigins(deps.pageOrigins, request.socket.localPort);
      if (isPageHost(request.headers.host, origins)) return;
      return reply
        .code(421)
        .header('Cache-Control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(`This GhostChat page is served at ${origins.join(', ')}. To serve it elsewhere, set PUBLIC_URL.\n`);
    });

    const doc = (summary: string, contentType: string, extra: Partial<RouteDoc> = {}): RouteDoc => ({
      summary,
      tags: ['page'],
      responses: {
        200: { description: summary, contentType },
        421: {
          description: 'Addressed to a host the page is not served at (see PUBLIC_URL)',
          contentType: 'text/plain',
        },
      },
      ...extra,
    });

    const pageDoc = doc('The chat page', 'text/html');
    pageDoc.responses[503] = { description: 'The page is not built (dist/web is missing)', contentType: 'text/plain' };
    app.get('/', { config: { doc: pageDoc } }, async (request, reply) => {
      if (!page)
        return reply.code(503).header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(NOT_BUILT);
      return sendFile(request, reply, page.html, 'no-cache');
    });

    app.get(
      '/assets/:file',
      {
        config: {
          doc: doc('A hashed asset of the page (JS or CSS)', 'text/javascript', {
            params: AssetParams,
            errors: ['NOT_FOUND'],
          }),
        },
      },
      async (request, reply) => {
        const { file } = parseOr(AssetParams, request.params, 'NOT_FOUND');
        const asset = page?.assets.get(file);
        if (!asset) throw new AppError('NOT_FOUND');
        return sendFile(request, reply, asset, IMMUTABLE);
      },
    );

    app.get(
      '/SHA256SUMS',
      {
        config: {
          doc: doc("SHA-256 of the page's files, to compare with a build of the source", 'text/plain', {
            errors: ['NOT_FOUND'],
          }),
        },
      },
      async (request, reply) => {
        if (!page) throw new AppError('NOT_FOUND');
        return sendFile(request, reply, page.sums, 'no-cache');
      },
    );
  };
}
