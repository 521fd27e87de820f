import type { Generators } from '../lib/generators.js';
import { totalRssBytes } from '../lib/proc-stats.js';
import type { ServerProcess } from '../lib/servers.js';
import { seatsFor } from './fanout.js';

export interface ConnectionsResult {
  connections: number;
  failed: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** Resident memory growth per joined idle connection, KB. */
  perConnectionKb: number;
  joinsPerSec: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens N idle clients (rooms of 5) from every generator process and reads the server's RSS growth. */
export async function runConnections(
  server: ServerProcess,
  gens: Generators,
  count: number,
  settleMs: number,
  options: { spreadSources?: boolean } = {},
): Promise<ConnectionsResult> {
  await sleep(settleMs);
  const before = totalRssBytes(server.pids());
  const seats = seatsFor({ rooms: Math.ceil(count / 5), members: 5 }, 'IDL').slice(0, count);
  const joined = await gens.connect(server.url, seats, 120_000, options);
  try {
    await sleep(settleMs);
    const after = totalRssBytes(server.pids());
    return {
      connections: joined.opened,
      failed: joined.failed,
      rssBeforeMb: before / 2 ** 20,
      rssAfterMb: after / 2 ** 20,
      perConnectionKb: joined.opened > 0 ? (after - before) / 1024 / joined.opened : 0,
      joinsPerSec: joined.ms > 0 ? (joined.opened * 1000) / joined.ms : 0,
    };
  } finally {
    await gens.closeClients();
  }
}
