import type WebSocket from 'ws';
import type { Command, FloodResult, Seat } from './generator-protocol.js';
import { Frame, INITIAL_ERROR, INITIAL_NEW_MESSAGE, eventStartsWith, frameKind, nowMs } from './wire.js';

/** What the flooder needs of the generator: a joined raw client, as the fan-out clients are opened. */
export type OpenJoined = (url: string, seat: Seat, timeoutMs: number) => Promise<{ ws: WebSocket; sendPrefix: string }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A hostile client for the flood scenario: it sends far past its limit, as fast as it is told,
 * ignores every refusal, and when the server throws it out it reconnects, rejoins and goes on.
 */
export class FloodLoop {
  private stopped = false;
  private readonly done: Promise<void>;
  private readonly result: FloodResult = {
    type: 'flood',
    sent: 0,
    refused: 0,
    echoed: 0,
    disconnects: 0,
    refusedConnects: 0,
  };

  constructor(
    private readonly cmd: Extract<Command, { type: 'flood-start' }>,
    private readonly open: OpenJoined,
  ) {
    this.done = this.run();
  }

  async stop(): Promise<FloodResult> {
    this.stopped = true;
    await this.done;
    return this.result;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let client: { ws: WebSocket; sendPrefix: string };
      try {
        client = await this.open(this.cmd.url, this.cmd.seat, 5_000);
      } catch {
        this.result.refusedConnects++;
        await sleep(this.cmd.reconnectMs);
        continue;
      }
      await this.flood(client);
      if (!this.stopped) {
        this.result.disconnects++;
        await sleep(this.cmd.reconnectMs);
      }
    }
  }

  /** Sends at the set rate until the socket closes or the run stops. */
  private async flood({ ws, sendPrefix }: { ws: WebSocket; sendPrefix: string }): Promise<void> {
    let open = true;
    ws.on('close', () => (open = false));
    ws.on('message', (data: Buffer) => {
      if (frameKind(data) !== Frame.Event) return;
      if (eventStartsWith(data, INITIAL_ERROR)) this.result.refused++;
      else if (eventStartsWith(data, INITIAL_NEW_MESSAGE)) this.result.echoed++;
    });
    const tail = `~${'x'.repeat(this.cmd.padding)}"}]`;
    const started = performance.now();
    let sent = 0;
    while (open && !this.stopped) {
      const due = Math.floor(((performance.now() - started) * this.cmd.messagesPerSec) / 1000) - sent;
      for (let i = 0; i < due && open; i++) ws.send(sendPrefix + nowMs().toFixed(3) + tail);
      sent += Math.max(0, due);
      await sleep(5);
    }
    this.result.sent += sent;
    if (open) ws.terminate();
  }
}
