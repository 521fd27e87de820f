import WebSocket from 'ws';
import { afterThisTest } from './cleanup.js';

/**
 * A raw engine.io/socket.io connection over WebSocket that answers pings and has joined the main
 * namespace, to send frames no well-behaved client would. Closed when the test ends.
 */
export async function rawSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  afterThisTest(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = (data as Buffer).toString();
      if (frame.startsWith('0')) ws.send('40');
      if (frame.startsWith('40')) resolve();
      if (frame === '2') ws.send('3');
    });
  });
  return ws;
}

/** Resolves once the server has closed `ws`; rejects if it is still open after `timeoutMs`. */
export function closed(ws: WebSocket, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => reject(new Error('socket stayed open')), timeoutMs);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The socket.io frames (`42…`, `43…`) the server sends on `ws` from now on, as text. */
export function framesOf(ws: WebSocket): string[] {
  const frames: string[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) frames.push((data as Buffer).toString());
  });
  return frames;
}
