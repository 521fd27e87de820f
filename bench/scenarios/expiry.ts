import type { Generators } from '../lib/generators.js';
import type { Seat } from '../lib/generator-protocol.js';
import { Histogram, type LatencySummary } from '../lib/histogram.js';
import type { ServerProcess } from '../lib/servers.js';

export interface ExpirySettings {
  messages: number;
  /** Rooms of one member each: the member is the sender and sees its own message expire. */
  rooms: number;
  /** Deadlines start at least this long after sending starts (more if the probed write rate needs it)... */
  marginMs: number;
  maxMarginMs: number;
  /** ...and are spread evenly over this span. */
  spreadMs: number;
  graceMs: number;
}

export interface ExpiryResult {
  sent: number;
  stored: number;
  expired: number;
  missing: number;
  doubled: number;
  unknown: number;
  errors: number;
  sendSeconds: number;
  /** Messages still live when the first deadline came (all of them unless sending overran the margin). */
  liveAtFirstDeadline: boolean;
  marginSeconds: number;
  /** Messages/s the store took in the probe. */
  probeRatePerSec: number;
  lag: LatencySummary;
}

/** Sends `messages` messages with TTLs whose deadlines spread over `spreadMs`, then times each `message-expired`. */
export async function runExpiry(server: ServerProcess, gens: Generators, s: ExpirySettings): Promise<ExpiryResult> {
  const seats: Seat[] = Array.from({ length: s.rooms }, (_, i) => ({
    room: `EXP-${i.toString(36).toUpperCase().padStart(3, '0')}-${server.kind === 'redis' ? 'RDS' : 'MEM'}`,
    agent: 'expiring',
  }));
  const joined = await gens.connect(server.url, seats);
  if (joined.failed > 0) throw new Error(`${joined.failed} expiry clients failed to join: ${joined.errors.join('; ')}`);
  try {
    // Probe the write rate first (5% of the messages, with a TTL that outlives the run), so the
    // first deadline falls after the last message is sent: all of them are live at once.
    const probeSeat = Math.max(1, Math.ceil(s.messages / s.rooms / 20));
    const probe = await gens.expiry(
      { perSeat: probeSeat, window: 32, firstDeadline: Date.now(), spreadMs: 0, graceMs: 0, probeTtl: 3600 },
      120_000,
    );
    const probeRate = probe.reduce((acc, r) => acc + r.sent, 0) / (Math.max(...probe.map((r) => r.sendMs)) / 1000);
    const marginMs = Math.min(s.maxMarginMs, Math.max(s.marginMs, ((s.messages / probeRate) * 1.3 + 3) * 1000));
    const firstDeadline = Date.now() + marginMs;
    const replies = await gens.expiry(
      { perSeat: Math.ceil(s.messages / s.rooms), window: 32, firstDeadline, spreadMs: s.spreadMs, graceMs: s.graceMs },
      marginMs + s.spreadMs + s.graceMs + 60_000,
    );
    const lag = new Histogram();
    const sum = (f: (r: (typeof replies)[number]) => number) => replies.reduce((acc, r) => acc + f(r), 0);
    for (const r of replies) lag.merge(r.lag);
    const sendMs = Math.max(...replies.map((r) => r.sendMs));
    return {
      sent: sum((r) => r.sent),
      stored: sum((r) => r.echoed),
      expired: sum((r) => r.expired),
      missing: sum((r) => r.missing),
      doubled: sum((r) => r.doubled),
      unknown: sum((r) => r.unknown),
      errors: sum((r) => r.errorsReceived),
      sendSeconds: sendMs / 1000,
      liveAtFirstDeadline: sendMs < marginMs,
      marginSeconds: marginMs / 1000,
      probeRatePerSec: probeRate,
      lag: lag.summary(),
    };
  } finally {
    await gens.closeClients();
  }
}
