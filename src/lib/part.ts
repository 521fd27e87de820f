/**
 * One piece of the server with a life of its own (the core, the HTTP app, the realtime gateway).
 * Parts start in order and stop in reverse, in two rounds: every part drains before any stops, so
 * no part loses something another part is still finishing (Fastify's preClose and onClose).
 */
export interface Part {
  readonly name: string;
  start(): Promise<void>;
  /** Takes no new work and finishes what it took; the parts after it have drained already. */
  drain?(): Promise<void>;
  /** Lets go of what it holds (sockets, connections); every part has drained by now. */
  stop(): Promise<void>;
}

export async function startParts(parts: readonly Part[]): Promise<void> {
  for (const part of parts) await part.start();
}

export async function stopParts(parts: readonly Part[]): Promise<void> {
  const reversed = [...parts].reverse();
  for (const part of reversed) await part.drain?.();
  for (const part of reversed) await part.stop();
}
