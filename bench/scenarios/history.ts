import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { cpuMeter } from '../lib/proc-stats.js';
import type { ServerProcess } from '../lib/servers.js';
import {
  CONNECT,
  Frame,
  INITIAL_NEW_MESSAGE,
  PONG,
  SOCKET_PATH,
  ackId,
  eventFrame,
  eventStartsWith,
  frameKind,
} from '../lib/wire.js';

// Resolved as a dependency of this package, wherever npm installed it.
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export const HISTORY_ROOM = 'HIS-000-001';

export interface HistoryResult {
  messages: number;
  /** Messages in each page asked for (`?limit=`). */
  page: number;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  serverCpuShare: number;
}

/** Puts `count` messages into the room through the socket, one at a time (each waits for its echo). */
export async function fillRoom(server: ServerProcess, count: number, timeoutMs = 60_000): Promise<void> {
  const ws = new WebSocket(server.url + SOCKET_PATH, { perMessageDeflate: false });
  const text = 'history message '.padEnd(100, 'x');
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    const timer = setTimeout(
      () => done(new Error(`filling the history room timed out after ${sent} messages`)),
      timeoutMs,
    );
    const done = (err?: Error) => {
      clearTimeout(timer);
      ws.terminate();
      if (err) reject(err);
      else resolve();
    };
    const sendNext = () => ws.send(eventFrame('send-message', { roomToken: HISTORY_ROOM, message: text, ttl: 3600 }));
    ws.on('error', done);
    ws.on('message', (data: Buffer) => {
      const kind = frameKind(data);
      if (kind === Frame.Ping) ws.send(PONG);
      else if (kind === Frame.Open) ws.send(CONNECT);
      else if (kind === Frame.Connected)
        ws.send(eventFrame('join-room', { roomToken: HISTORY_ROOM, agentId: 'filler' }, 1));
      else if (kind === Frame.Ack && ackId(data) === 1) sendNext();
      else if (kind === Frame.Event && eventStartsWith(data, INITIAL_NEW_MESSAGE)) {
        if (++sent >= count) done();
        else sendNext();
      }
    });
  });
}

/** The newest page of the room's history, as large as a client may ask for. */
export const historyUrl = (server: ServerProcess, page: number) =>
  `${server.url.replace('ws://', 'http://')}/api/room/${HISTORY_ROOM}/messages?limit=${page}`;

/** autocannon (its own process) against the room's history endpoint, for its newest page of `page` messages. */
export async function runHistory(
  server: ServerProcess,
  messages: number,
  page: number,
  durationS: number,
  connections: number,
): Promise<HistoryResult> {
  const url = historyUrl(server, page);
  const cpu = cpuMeter(server.pid);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [autocannonBin, '-c', String(connections), '-d', String(durationS), '-j', url],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (stdout += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), (durationS + 30) * 1000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`autocannon exited with ${code}`));
    });
  });
  const share = cpu().share;
  const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number };
  return {
    messages,
    page,
    requestsPerSec: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    non2xx: r.non2xx,
    serverCpuShare: share,
  };
}
