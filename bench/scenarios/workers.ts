import type { Generators } from '../lib/generators.js';
import type { ServerProcess } from '../lib/servers.js';
import { runConnections, type ConnectionsResult } from './connections.js';
import { runFanout, type FanoutResult, type FanoutSettings, type Topology } from './fanout.js';

export interface WorkersSettings {
  /** Joined idle connections each server is asked to hold on its one port. */
  connections: number;
  topology: Topology;
  fanout: FanoutSettings;
  settleMs: number;
}

export interface WorkersRun {
  workers: number;
  /** Idle connections held: one process stops near its open-files limit, a cluster spreads them. */
  connections: ConnectionsResult;
  fanout: FanoutResult;
}

/** One server (WORKERS=n on Redis): how many joined connections it holds, then fan-out on it. */
export async function runWorkers(
  server: ServerProcess,
  workers: number,
  pool: Generators,
  gens: Generators,
  settings: WorkersSettings,
  log: (line: string) => void,
): Promise<WorkersRun> {
  const connections = await runConnections(server, pool, settings.connections, settings.settleMs, {
    spreadSources: true,
  });
  log(
    `workers=${workers}: ${connections.connections} idle connections held (${connections.failed} failed), ` +
      `${connections.perConnectionKb.toFixed(1)} KB each over ${server.pids().length} processes`,
  );
  log(`workers=${workers}: fan-out ${settings.topology.rooms}x${settings.topology.members}`);
  const fanout = await runFanout(server, gens, settings.topology, settings.fanout, `W${workers}`, log);
  return { workers, connections, fanout };
}
