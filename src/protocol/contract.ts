import type { z } from 'zod';
import type { ClientEventName, ServerEventName } from './events.js';
import type { ImageSchemas } from './image-schemas.js';
import type { ChatMessage } from './messages.js';
import type { AckResponse, Schemas, ServerPayloads } from './schemas.js';

/**
 * The socket protocol declared once, as socket.io's typed event maps (`Socket<Listen, Emit>`):
 * payloads are what a client may write (the zod schemas' input side), acknowledgements what the
 * handlers answer. Type-only, so the page bundles none of it (and no zod).
 */

export type JoinRoomPayload = z.input<Schemas['JoinRoom']>;
export type LeaveRoomPayload = z.input<Schemas['LeaveRoom']>;
export type SendMessagePayload = z.input<Schemas['SendMessage']>;
export type SendImagePayload = z.input<ImageSchemas['SendImage']>;
export type RevealMessagePayload = z.input<Schemas['RevealMessage']>;

export interface JoinRoomResult {
  roomToken: string;
  participants: string[];
}

export interface LeaveRoomResult {
  roomToken: string;
}

export interface SendMessageResult {
  messageId: string;
  timestamp: string;
}

export interface SendImageResult {
  messageId: string;
  imageId: string;
  timestamp: string;
}

export interface RevealMessageResult {
  /** The whole message, body included. */
  message: ChatMessage;
  /** When a burn-after-reading message that is burning will be gone (ISO 8601); null otherwise. */
  burnsAt: string | null;
}

/** Answered exactly once; `{ ok: false, error }` carries a code from src/errors.ts. */
export type Acknowledge<T extends object> = (response: AckResponse<T>) => void;

/**
 * Client -> server. The acknowledgement is optional on the wire (the reference clients send none);
 * it is declared required here because socket.io's `emitWithAck` types need the callback to be the
 * last parameter.
 */
export interface ClientToServerEvents {
  'join-room': (payload: JoinRoomPayload, ack: Acknowledge<JoinRoomResult>) => void;
  'leave-room': (payload: LeaveRoomPayload, ack: Acknowledge<LeaveRoomResult>) => void;
  'send-message': (payload: SendMessagePayload, ack: Acknowledge<SendMessageResult>) => void;
  'send-image': (payload: SendImagePayload, ack: Acknowledge<SendImageResult>) => void;
  'reveal-message': (payload: RevealMessagePayload, ack: Acknowledge<RevealMessageResult>) => void;
}

/** What a client event's acknowledgement carries on success. */
export type ClientEventResult<E extends keyof ClientToServerEvents> =
  Parameters<ClientToServerEvents[E]>[1] extends Acknowledge<infer R> ? R : never;

/** What a client sends with event `E`. */
export type ClientEventPayload<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];

/** Server -> client: one payload per event, no acknowledgement. */
export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerPayloads[E]) => void;
};

// Fail typecheck when events.ts gains or loses an event that the maps above do not follow.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const clientEventsCovered: Same<keyof ClientToServerEvents, ClientEventName> = true;
const serverEventsCovered: Same<keyof ServerPayloads, ServerEventName> = true;
void clientEventsCovered;
void serverEventsCovered;
