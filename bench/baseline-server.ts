/**
 * The floor GhostChat is measured against: a bare socket.io relay on the same socket.io version and
 * the same server options GhostChat uses (src/server.ts). `join-room` joins the room, `send-message`
 * is re-emitted to the room as `new-message`; no validation, no store, no logging.
 *
 * It also answers `GET /api/room/:token/messages` (whatever its query) with a fixed body of
 * BASELINE_HISTORY messages (serialised per request like a real handler would; the bench sets it to
 * the page GhostChat is asked for), as the floor for the history scenario, and
 * `POST /api/upload-image` by reading the body and dropping it: what receiving the bytes costs Node
 * itself, the floor for the images scenario.
 *
 * Env: PORT (required), HOST (default 127.0.0.1), BASELINE_HISTORY (default 500).
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT);
const host = process.env.HOST ?? '127.0.0.1';
const historySize = Number(process.env.BASELINE_HISTORY ?? 500);

const history = Array.from({ length: historySize }, (_, i) => ({
  id: `msg_${1_700_000_000_000 + i}_0123456789abcdef`,
  type: 'text',
  message: `history message ${i} `.padEnd(100, 'x'),
  sender: `agent-${i % 5}`,
  timestamp: new Date(1_700_000_000_000 + i).toISOString(),
  ttl: 86_400,
  roomToken: 'HIS-000-001',
}));

const http = createServer((req, res) => {
  const path = req.url?.split('?')[0] ?? '';
  if (req.method === 'GET' && path.startsWith('/api/room/') && path.endsWith('/messages')) {
    const body = JSON.stringify({ messages: history, count: history.length, timestamp: new Date().toISOString() });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
    return;
  }
  if (req.method === 'POST' && req.url === '/api/upload-image') {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"success":true}');
    });
    return;
  }
  if (!req.url?.startsWith('/socket.io/')) {
    res.writeHead(404).end();
  }
});

// The same options as GhostChat's defaults: maxHttpBufferSize from MAX_SOCKET_PAYLOAD_BYTES' default.
const io = new Server(http, {
  cors: { origin: ['http://localhost:3000'], methods: ['GET', 'POST'], credentials: true },
  maxHttpBufferSize: 1_000_000,
  serveClient: false,
});

io.on('connection', (socket) => {
  socket.on('join-room', (payload: { roomToken: string }, ack?: (r: object) => void) => {
    void socket.join(payload.roomToken);
    ack?.({ ok: true });
  });
  socket.on('send-message', (payload: { roomToken: string }) => {
    io.to(payload.roomToken).emit('new-message', payload);
  });
});

http.listen(port, host, () => process.stdout.write(`listening on ${host}:${port}\n`));

const stop = () => io.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
