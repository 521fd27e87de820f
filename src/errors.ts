/**
 * Every error code a client can see, with its HTTP status. Tests assert codes, not wording;
 * the wording is safe to show to a client (no internals, no stack).
 */
export const ErrorCodes = {
  PAYLOAD_INVALID: { status: 400, message: 'The request payload is invalid' },
  ROOM_TOKEN_INVALID: { status: 400, message: 'Invalid room token' },
  ROOM_TOKEN_TOO_SHORT: { status: 400, message: 'That token is too short to open a new room' },
  AGENT_NAME_INVALID: { status: 400, message: 'Names may not hold invisible, format or direction characters' },
  NOT_A_MEMBER: { status: 403, message: 'Join the room before sending to it' },
  AGENT_TAKEN: { status: 409, message: 'That agent name is already in use in this room' },
  AGENT_CONFUSABLE: { status: 409, message: 'That name looks like the name of someone already in this room' },
  ALREADY_JOINED: { status: 409, message: 'This connection already joined the room under another name' },
  RESUME_REFUSED: {
    status: 410,
    message: 'That session cannot be resumed (its credential was used, expired or never given); join afresh',
  },
  UNAUTHORIZED: { status: 401, message: 'Missing or wrong bearer token' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  UPLOAD_STALLED: { status: 408, message: 'The upload stopped sending; try again' },
  IMAGE_TOO_LARGE: { status: 413, message: 'The image is larger than the upload limit' },
  IMAGE_TYPE_UNSUPPORTED: { status: 415, message: 'Only JPEG, PNG, GIF and WebP images are accepted' },
  IMAGE_INVALID: { status: 422, message: 'The image could not be decoded' },
  IMAGE_TOO_MANY_PIXELS: { status: 422, message: 'The image declares more pixels than allowed' },
  STORAGE_FULL: { status: 507, message: 'Storage is full; try again once older messages and images have expired' },
  ROOM_IMAGES_FULL: {
    status: 507,
    message: 'This room holds as many image bytes as allowed; try again once older images have expired',
  },
  IMAGES_BUSY: { status: 503, message: 'Too many images are being processed; try again shortly' },
  TOO_MANY_PENDING: { status: 429, message: 'Too many requests in flight; slow down' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; wait retryAfterMs before trying again' },
  ROOM_FULL: { status: 403, message: 'The room has as many participants as it may hold' },
  TOO_MANY_ROOMS: { status: 403, message: 'This connection is in as many rooms as it may hold; leave one first' },
  TOO_MANY_CONNECTIONS: { status: 429, message: 'Too many connections from this address or to this server' },
  STORE_UNAVAILABLE: { status: 503, message: 'Storage is unavailable; nothing was stored' },
  SHUTTING_DOWN: { status: 503, message: 'The server is shutting down; reconnect' },
  INTERNAL: { status: 500, message: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message ?? ErrorCodes[code].message);
    this.name = 'AppError';
    this.status = ErrorCodes[code].status;
  }
}

/** A storage backend failed or is unreachable. Thrown by stores, mapped to STORE_UNAVAILABLE. */
export class StoreUnavailableError extends AppError {
  constructor(override readonly cause?: unknown) {
    super('STORE_UNAVAILABLE');
  }
}

/** Over a rate or a per-client quota: the client may try again after `retryAfterMs`. */
export class RateLimitedError extends AppError {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super('RATE_LIMITED');
    this.retryAfterMs = Math.max(1, Math.ceil(retryAfterMs));
  }
}

/** What a client is told of an error besides its code and message (`retryAfterMs` when rate limited). */
export function errorExtras(err: AppError): { retryAfterMs?: number } {
  return err instanceof RateLimitedError ? { retryAfterMs: err.retryAfterMs } : {};
}

/** Anything unexpected becomes INTERNAL so no internals reach a client. */
export function toAppError(err: unknown): AppError {
  return err instanceof AppError ? err : new AppError('INTERNAL');
}
