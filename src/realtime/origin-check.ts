import type { IncomingMessage } from 'node:http';

/**
 * Whether a socket.io handshake may proceed. socket.io's CORS settings bind only what a browser
 * lets a page read over polling; a WebSocket handshake is not subject to CORS at all. So a browser
 * handshake (it always says where the page came from) must come from an allowed origin or from
 * this server's own; clients that send no Origin (native apps, scripts) are not browsers' pages.
 */
export function originAllowed(request: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
