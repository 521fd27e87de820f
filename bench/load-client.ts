/**
 * A load-generator process: raw `ws` clients speaking socket.io's text framing. Per received frame it
 * looks at a few bytes, counts, and reads the send stamp with indexOf, so it costs far less than the
 * server's work per delivery. Driven by the runner over IPC (see generator-protocol.ts).
 */
import WebSocket from 'ws';
import { Histogram } from './lib/histogram.js';
import type { Command, ConnectResult, ExpiryResult, FanoutResult, Reply, Seat } from './lib/generator-protocol.js';
import {
  CONNECT,
  INITIAL_ERROR,
  INITIAL_MESSAGE_EXPIRED,
  INITIAL_NEW_MESSAGE,
  PONG,
  SOCKET_PATH,
  Frame,
  ackId,
  eventFrame,
  eventStartsWith,
  frameKind,
  nowMs,
  stampedTime,
} from './lib/wire.js';

interface Client {
  ws: WebSocket;
  seat: Seat;
  /** `42["send-message",{"roomToken":"…","message":"~T` : the stamp and the rest are appended per send. */
  sendPrefix: string;
  inFlight: number;
}

const clients: Client[] = [];
const latency = new Histogram();
let received = 0;
let errorsReceived = 0;
/** Set while an expiry run is on: frames are then parsed (at a few thousand a second, not on the fan-out path). */
let expiryTracker: ExpiryTracker | null = null;

function reply(message: Reply): void {
  process.send?.(message);
}

function onFrame(client: Client, data: Buffer): void {
  const kind = frameKind(data);
  if (kind === Frame.Ping) {
    client.ws.send(PONG);
    return;
  }
  if (kind !== Frame.Event) return;
  if (eventStartsWith(data, INITIAL_NEW_MESSAGE)) {
    received++;
    if (expiryTracker) expiryTracker.echo(client, data);
    else {
      const sentAt = stampedTime(data);
      if (sentAt === sentAt) latency.record(nowMs() - sentAt);
    }
  } else if (eventStartsWith(data, INITIAL_MESSAGE_EXPIRED)) {
    expiryTracker?.expired(data);
  } else if (eventStartsWith(data, INITIAL_ERROR)) {
    errorsReceived++;
  }
}

function open(url: string, seat: Seat, timeoutMs: number, localAddress?: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url + SOCKET_PATH, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      ...(localAddress ? { localAddress } : {}),
    });
    const client: Client = {
      ws,
      seat,
      sendPrefix: `42["send-message",{"roomToken":${JSON.stringify(seat.room)},"message":"~T`,
      inFlight: 0,
    };
    const timer = setTimeout(() => fail(new Error('join timed out')), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    ws.on('error', fail);
    const handshake = (data: Buffer) => {
      const kind = frameKind(data);
      if (kind === Frame.Open) ws.send(CONNECT);
      else if (kind === Frame.Connected)
        ws.send(eventFrame('join-room', { roomToken: seat.room, agentId: seat.agent }, 1));
      else if (kind === Frame.Ping) ws.send(PONG);
      else if (kind === Frame.Ack && ackId(data) === 1) {
        if (!data.includes('"ok":true') && data.includes('"ok":false')) return fail(new Error(data.toString()));
        clearTimeout(timer);
        ws.off('message', handshake);
        ws.on('message', (frame: Buffer) => onFrame(client, frame));
        resolve(client);
      }
    };
    ws.on('message', handshake);
  });
}

async function connect(cmd: Extract<Command, { type: 'connect' }>): Promise<ConnectResult> {
  const started = Date.now();
  const errors = new Set<string>();
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < cmd.seats.length) {
      const seat = cmd.seats[next++]!;
      try {
        clients.push(await open(cmd.url, seat, cmd.timeoutMs, cmd.localAddress));
      } catch (err) {
        failed++;
        if (errors.size < 5) errors.add((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, cmd.seats.length) }, worker));
  return { type: 'connected', opened: clients.length, failed, ms: Date.now() - started, errors: [...errors] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends at a steady rate (round robin over this process's clients), then waits for the tail to arrive. */
async function fanout(cmd: Extract<Command, { type: 'fanout' }>): Promise<FanoutResult> {
  latency.reset();
  received = 0;
  errorsReceived = 0;
  const tail = `~${'x'.repeat(cmd.padding)}"}]`;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  let cursor = 0;
  const target = (elapsed: number) => Math.floor((cmd.messagesPerSec * Math.min(elapsed, cmd.durationMs)) / 1000);
  while (clients.length > 0) {
    const elapsed = performance.now() - started;
    const due = target(elapsed) - sent;
    for (let i = 0; i < due; i++) {
      const client = clients[cursor]!;
      cursor = cursor + 1 === clients.length ? 0 : cursor + 1;
      client.ws.send(client.sendPrefix + nowMs().toFixed(3) + tail);
    }
    sent += Math.max(0, due);
    if (elapsed >= cmd.durationMs) break;
    await sleep(5);
  }
  // Drain: wait until frames stop arriving (or the drain bound), so a slow server's backlog is counted.
  const drainUntil = performance.now() + cmd.drainMs;
  let last = -1;
  while (performance.now() < drainUntil && received !== last) {
    last = received;
    await sleep(250);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    type: 'fanout',
    sent,
    received,
    errorsReceived,
    latency: latency.toSparse(),
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - started,
  };
}

class ExpiryTracker {
  readonly deadlines = new Map<string, number>();
  readonly done = new Set<string>();
  readonly lag = new Histogram();
  doubled = 0;
  unknown = 0;
  echoed = 0;
  lastDeadline = 0;

  echo(client: Client, data: Buffer): void {
    const [, message] = JSON.parse(data.toString('utf8', 2)) as [
      string,
      { id: string; timestamp: string; ttl: number },
    ];
    const deadline = Date.parse(message.timestamp) + message.ttl * 1000;
    this.deadlines.set(message.id, deadline);
    if (deadline > this.lastDeadline) this.lastDeadline = deadline;
    this.echoed++;
    client.inFlight--;
  }

  expired(data: Buffer): void {
    const now = Date.now();
    const [, { messageId }] = JSON.parse(data.toString('utf8', 2)) as [string, { messageId: string }];
    const deadline = this.deadlines.get(messageId);
    if (deadline === undefined) this.unknown++;
    else if (this.done.has(messageId)) this.doubled++;
    else {
      this.done.add(messageId);
      this.lag.record(now - deadline);
    }
  }
}

/** Every seat sends `perSeat` messages with TTLs that put their deadlines evenly over the spread. */
async function expiry(cmd: Extract<Command, { type: 'expiry' }>): Promise<ExpiryResult> {
  const tracker = new ExpiryTracker();
  expiryTracker = tracker;
  errorsReceived = 0;
  const started = Date.now();
  let sent = 0;
  const total = cmd.perSeat * clients.length;
  const sentBy = new Map<Client, number>();
  while (sent < total) {
    let progressed = false;
    for (const client of clients) {
      const done = sentBy.get(client) ?? 0;
      if (done >= cmd.perSeat || client.inFlight >= cmd.window) continue;
      const target = cmd.firstDeadline + Math.random() * cmd.spreadMs;
      const ttl = cmd.probeTtl ?? Math.max(1, Math.ceil((target - Date.now()) / 1000));
      client.ws.send(eventFrame('send-message', { roomToken: client.seat.room, message: 'expiring', ttl }));
      client.inFlight++;
      sentBy.set(client, done + 1);
      sent++;
      progressed = true;
    }
    // Yield so echoes can arrive; a bound keeps a stuck server from holding the loop forever.
    await sleep(progressed ? 0 : 2);
    if (Date.now() - started > cmd.firstDeadline - started + cmd.spreadMs) break;
  }
  if (cmd.probeTtl !== undefined) {
    while (tracker.echoed < sent && Date.now() - started < 60_000) await sleep(10);
  }
  const sendMs = Date.now() - started;
  if (cmd.probeTtl !== undefined) tracker.deadlines.clear();
  const giveUpAt = () => Math.max(cmd.firstDeadline + cmd.spreadMs, tracker.lastDeadline) + cmd.graceMs;
  while (
    cmd.probeTtl === undefined &&
    Date.now() < giveUpAt() &&
    (tracker.echoed < sent || tracker.done.size < tracker.echoed)
  ) {
    await sleep(100);
  }
  expiryTracker = null;
  return {
    type: 'expiry',
    sent,
    echoed: tracker.echoed,
    expired: tracker.done.size,
    doubled: tracker.doubled,
    missing: tracker.echoed - tracker.done.size,
    unknown: tracker.unknown,
    errorsReceived,
    sendMs,
    lastDeadline: tracker.lastDeadline,
    lag: tracker.lag.toSparse(),
  };
}

process.on('message', (cmd: Command) => {
  const run = async (): Promise<Reply> => {
    switch (cmd.type) {
      case 'connect':
        return connect(cmd);
      case 'fanout':
        return fanout(cmd);
      case 'expiry':
        return expiry(cmd);
      case 'close':
        for (const c of clients) c.ws.terminate();
        clients.length = 0;
        return { type: 'closed' };
    }
  };
  run().then(reply, (err: Error) => reply({ type: 'error', message: err.message }));
});

// Never outlive the runner: if it dies, the IPC channel closes and so does this process.
process.on('disconnect', () => process.exit(0));
