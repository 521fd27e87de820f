import { Decoder, Encoder, PacketType } from 'socket.io-parser';

export interface PacketBounds {
  /** Binary attachments one packet may declare (`send-image` needs one). */
  maxAttachments: number;
  /** Bytes of one packet: its JSON head and every attachment together. */
  maxPacketBytes: number;
  /** How long a packet may wait for its attachments once its head has arrived. */
  incompleteTimeoutMs: number;
}

/** A binary packet's head: `5<attachments>-…` (event) or `6<attachments>-…` (ack). */
const BINARY_HEAD = /^[56](\d+)-/;

/**
 * socket.io's parser with a packet bounded as a whole. socket.io bounds each frame
 * (maxHttpBufferSize), but a binary packet is a JSON head plus one frame per attachment, and the
 * stock decoder holds every frame until the last one arrives: a head declaring ten attachments
 * followed by nine large frames, never the tenth, pinned ~126 MB per socket for as long as pings
 * kept the connection alive. Here a head may declare at most `maxAttachments`, the head and its
 * attachments together may not exceed `maxPacketBytes`, and a packet still incomplete after
 * `incompleteTimeoutMs` is dropped and its connection closed. Anything refused throws, which
 * socket.io answers by closing the connection.
 */
export function boundedParser(bounds: PacketBounds) {
  class BoundedDecoder extends Decoder {
    private awaiting = 0;
    private bytes = 0;
    private timer: NodeJS.Timeout | undefined;

    constructor() {
      super({ maxAttachments: bounds.maxAttachments });
    }

    override add(obj: unknown): void {
      if (typeof obj === 'string') {
        const head = BINARY_HEAD.exec(obj);
        super.add(obj);
        if (head) this.begin(Number(head[1]), obj.length);
        return;
      }
      if (this.awaiting > 0) {
        this.bytes += byteLength(obj);
        if (this.bytes > bounds.maxPacketBytes) {
          this.destroy();
          throw new Error('packet larger than allowed');
        }
      }
      super.add(obj);
      if (this.awaiting > 0 && --this.awaiting === 0) this.end();
    }

    override destroy(): void {
      this.end();
      super.destroy();
    }

    private begin(attachments: number, headBytes: number): void {
      this.awaiting = attachments;
      this.bytes = headBytes;
      this.timer = setTimeout(() => this.expire(), bounds.incompleteTimeoutMs);
      this.timer.unref();
    }

    private end(): void {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.awaiting = 0;
      this.bytes = 0;
    }

    /**
     * Drops the half-received packet and has socket.io close the connection. The decoder cannot
     * reach the connection itself; a CONNECT_ERROR packet from a client is a protocol violation
     * that socket.io's Client answers by closing it (test/e2e/packet-bounds.test.ts checks this).
     */
    private expire(): void {
      this.destroy();
      this.emitReserved('decoded', { type: PacketType.CONNECT_ERROR, nsp: '/' });
    }
  }
  return { Encoder, Decoder: BoundedDecoder };
}

function byteLength(data: unknown): number {
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  // engine.io's base64 fallback (`{ base64: true, data }`) for clients without binary support.
  const base64 = (data as { data?: unknown }).data;
  return typeof base64 === 'string' ? base64.length : 0;
}
