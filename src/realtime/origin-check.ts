import type { IncomingMessage } from 'node:http';

/**
 * Whether a socket.io handshake may proceed. socket.io's CORS settings bind only what a browser
 * lets a page read over polling; a WebSocket handshake is not subject to CORS at all. So a browser
 * handshake (it always says where the page came from) must come from an allowed origin. The
 * server's own origin is not assumed: it serves no pages, and a page that rebinds DNS to it would
 * pass such a check. Clients that send no Origin (native apps, scripts) are not pages.
 */
export function originAllowed(request: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  return origin === undefined || allowedOrigins.includes(origin);
}
