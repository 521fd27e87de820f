/**
 * Resuming a session after a dropped connection (feature `resume`). Kept free of zod: the page
 * uses these types; the server parses the request with resume-schemas.ts.
 */

/**
 * Held ids a resume may list per room (newest first): as many as a room keeps by default
 * (MAX_ROOM_MESSAGES). A client that holds more sends its newest.
 */
export const RESUME_MAX_HELD_PER_ROOM = 2000;

/** What a resuming client sends in its handshake as `auth.resume`. */
export interface ResumeRequest {
  /** The credential of the last `session` event; single use. */
  credential: string;
  /**
   * Per room, the ids of the messages the client holds, newest first: those gone meanwhile are
   * announced with `message-expired`, and the newest still there marks where the replay starts.
   */
  rooms: Array<{ roomToken: string; held: string[] }>;
}

export interface ResumeError {
  code: string;
  message: string;
}

/** How one room of a resumed session came back. */
export interface RoomRecovery {
  roomToken: string;
  /** Back in the room under its earlier name (its earlier connection replaced). */
  rejoined: boolean;
  /**
   * Every message of the gap was replayed and every held message that went was announced. False:
   * a gap that could not be filled (too many missed messages, or the room was not rejoined); the
   * client reads the history again (`GET /api/room/{token}/messages`).
   */
  recovered: boolean;
  /** Why the room was not rejoined (e.g. AGENT_TAKEN when another connection took the name meanwhile). */
  error?: ResumeError;
}

/** The outcome of `auth.resume`: refused (RESUME_REFUSED, RATE_LIMITED, ...), or per room. */
export type ResumeOutcome = { ok: true; rooms: RoomRecovery[] } | { ok: false; error: ResumeError };

/** `session`: the credential to resume this connection with, and the outcome of a resume asked for. */
export interface SessionPayload {
  /**
   * Single use; replaced by the next `session` event. Keep it only in memory. Null when none could
   * be given (the store is unavailable): this connection cannot be resumed.
   */
  credential: string | null;
  /** How long after the connection drops the credential still resumes it. */
  windowSeconds: number;
  /** Present when the handshake asked to resume; sent after the replay, so it also marks its end. */
  resumed?: ResumeOutcome;
}
