import type { IncomingMessage } from 'node:http';
import { pageOrigins } from '../lib/page-origin.js';

/**
 * Whether a socket.io handshake may proceed. socket.io's CORS settings bind only what a browser
 * lets a page read over polling; a WebSocket handshake is not subject to CORS at all. So a browser
 * handshake (it always says where the page came from) must come from an allowed origin: one of
 * FRONTEND_URL, or where this server's own page runs (PUBLIC_URL, by default the loopback names of
 * the port the handshake arrived on). The request's own Host is never trusted for that: a page that
 * rebinds DNS to this server would pass such a check. Clients that send no Origin (native apps,
 * scripts) are not pages.
 */
export function originAllowed(
  request: IncomingMessage,
  allowedOrigins: readonly string[],
  ownPageOrigins: readonly string[] | null = null,
): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || allowedOrigins.includes(origin)) return true;
  return pageOrigins(ownPageOrigins, request.socket.localPort).includes(origin);
}
