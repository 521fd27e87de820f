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

/** How many joined idle connections one server (WORKERS=n on Redis) holds on its one port. */
export async function holdIdleConnections(
  server: ServerProcess,
  workers: number,
  pool: Generators,
  settings: WorkersSettings,
  log: (line: string) => void,
): Promise<ConnectionsResult> {
  const connections = await runConnections(server, pool, settings.connections, settings.settleMs, {
    spreadSources: true,
  });
  log(
    `workers=${workers}: ${connections.connections} idle connections held (${connections.failed} failed), ` +
      `${connections.perConnectionKb.toFixed(1)} KB each over ${server.pids().length} processes`,
  );
  return connections;
}

/** Fan-out on a server (WORKERS=n on Redis) of its own. */
export async function workersFanout(
  server: ServerProcess,
  workers: number,
  gens: Generators,
  settings: WorkersSettings,
  log: (line: string) => void,
): Promise<FanoutResult> {
  log(`workers=${workers}: fan-out ${settings.topology.rooms}x${settings.topology.members}`);
  return runFanout(server, gens, settings.topology, settings.fanout, `W${workers}`, log);
}
