import { z } from 'zod';
import { RoomToken } from './room-token.js';
import type { NewMessage } from './messages.js';
import type { SessionPayload } from './resume.js';

export interface ProtocolLimits {
  maxTtlSeconds: number;
  maxMessageLength: number;
  maxAgentIdLength: number;
}

// Control characters in a name would let one client garble another's screen or a log line.
const printable = /^[^\p{Cc}]+$/u;

export function agentIdSchema(limits: ProtocolLimits) {
  return (
    z
      .string()
      .min(1)
      .max(limits.maxAgentIdLength)
      .regex(printable, 'agentId must be printable')
      .refine((name) => name.trim().length > 0, 'agentId must not be blank')
      // One spelling per name: what looks the same is the same string from here on (Unicode NFC).
      .transform((name) => name.normalize('NFC'))
  );
}

/** TTL in whole seconds: 0 burns after reading; absent means the configured default. */
export function ttlSchema(limits: ProtocolLimits) {
  return z.int().min(0).max(limits.maxTtlSeconds).nullish();
}

/** Builds the inbound payload schemas for the configured limits. Unknown keys are dropped. */
export function buildSchemas(limits: ProtocolLimits) {
  const JoinRoom = z.object({ roomToken: RoomToken, agentId: agentIdSchema(limits) });
  const LeaveRoom = z.object({ roomToken: RoomToken });
  const SendMessage = z.object({
    roomToken: RoomToken,
    message: z.string().min(1).max(limits.maxMessageLength),
    // Accepted for compatibility and ignored: the sender is whoever the socket joined as.
    sender: z.unknown().optional(),
    ttl: ttlSchema(limits),
  });
  // Server ids are `msg_<ms>_<hex>`; anything longer is not one.
  const RevealMessage = z.object({ roomToken: RoomToken, messageId: z.string().min(1).max(64) });
  return { JoinRoom, LeaveRoom, SendMessage, RevealMessage };
}

export type Schemas = ReturnType<typeof buildSchemas>;
export type JoinRoomInput = z.infer<Schemas['JoinRoom']>;
export type LeaveRoomInput = z.infer<Schemas['LeaveRoom']>;
export type SendMessageInput = z.infer<Schemas['SendMessage']>;
export type RevealMessageInput = z.infer<Schemas['RevealMessage']>;

/** Outbound payloads, server -> client. */
export interface ServerPayloads {
  'room-joined': { roomToken: string; participants: string[] };
  'participant-joined': { agentId: string; roomToken: string };
  'participant-left': { agentId: string; roomToken: string };
  /** The message, or for a client that reveals burn-after-reading messages itself, an unrevealed one. */
  'new-message': NewMessage;
  'message-expired': { messageId: string; roomToken: string };
  /** A burn-after-reading message was read by someone besides its sender: it is gone at `burnsAt` (ISO 8601). */
  'message-burning': { messageId: string; roomToken: string; burnsAt: string };
  /** `retryAfterMs` with RATE_LIMITED: how long to wait before trying again. */
  error: { message: string; code: string; event?: string; retryAfterMs?: number };
  /** This node is shutting down: reconnect (a socket.io client does so once the transport closes). */
  'server-shutdown': { reason: 'shutdown'; reconnect: true };
  /** Sent only to clients that announced the `resume` feature. */
  session: SessionPayload;
}

export type AckResponse<T extends object = object> =
  ({ ok: true } & T) | { ok: false; error: { code: string; message: string; retryAfterMs?: number } };
