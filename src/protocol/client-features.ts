import type { ResumeRequest } from './resume.js';

/**
 * Optional protocol features a client announces in its socket.io handshake,
 * `io(url, { auth: { features: ['reveal'] } })`, for the whole connection. A client that announces
 * nothing gets the protocol the earlier GhostChat clients speak. Kept free of zod: the page uses it.
 */
export const ClientFeatures = {
  /**
   * The client reveals burn-after-reading messages itself: it receives them without their body
   * (`unrevealed: true`) and asks for the body with `reveal-message` when its person asks to read.
   */
  reveal: 'reveal',
  /**
   * The client resumes its session after a dropped connection: it is given a single-use credential
   * (`session`) and may send it back with `auth.resume` when it reconnects, to any node, within
   * RECOVERY_WINDOW_SECONDS (docs/PROTOCOL.md, "Reconnecting without loss").
   */
  resume: 'resume',
} as const;

export type ClientFeature = (typeof ClientFeatures)[keyof typeof ClientFeatures];

/** The handshake's `auth` object as a client with features sends it. */
export interface HandshakeAuth {
  features?: ClientFeature[];
  /** With the `resume` feature: the session to take up again (src/protocol/resume.ts). */
  resume?: ResumeRequest;
}

const KNOWN = new Set<string>(Object.values(ClientFeatures));
/** More than any client needs; a longer list is not read further. */
const MAX_FEATURES = 16;

/** The known features in a handshake's `auth` (anything a client sent); unknown and malformed entries are ignored. */
export function announcedFeatures(auth: unknown): Set<ClientFeature> {
  const features = (auth as { features?: unknown } | null | undefined)?.features;
  if (!Array.isArray(features)) return new Set();
  const known = features
    .slice(0, MAX_FEATURES)
    .filter((f): f is ClientFeature => typeof f === 'string' && KNOWN.has(f));
  return new Set(known);
}
