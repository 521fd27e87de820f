import type { Generators } from '../lib/generators.js';
import type { FloodResult } from '../lib/generator-protocol.js';
import type { ServerProcess } from '../lib/servers.js';
import { runFanout, type FanoutResult, type FanoutSettings, type Topology } from './fanout.js';

export interface FloodSettings {
  /** The calm rooms: every member sends, at the fan-out's fixed load. */
  topology: Topology;
  fanout: FanoutSettings;
  /** SOCKET_EVENTS_PER_SECOND for every socket in this scenario (the calm ones stay under it). */
  eventsPerSecond: number;
  /** The flooder offers this many times its limit. */
  floodFactor: number;
}

export interface FloodRun {
  /** The calm rooms alone. */
  calm: FanoutResult;
  /** The same calm load, with the flooder at it. */
  flooded: FanoutResult;
  flooder: FloodResult;
}

/**
 * The server's env for both runs: the per socket event rate that the flooder meets (the calm
 * clients stay below it), bursts of two seconds' worth, and the rest of the socket and per address
 * connection limits at their defaults. Every client says who it is in X-Forwarded-For, which the
 * server believes from the loopback "proxy", so each is counted under its own address.
 */
export function floodEnv(s: FloodSettings): Record<string, string> {
  return {
    TRUSTED_PROXIES: '127.0.0.1',
    SOCKET_EVENTS_PER_SECOND: String(s.eventsPerSecond),
    SOCKET_EVENTS_BURST: String(s.eventsPerSecond * 2),
    SOCKET_FLOOD_REFUSALS: '50',
    SOCKET_JOINS_PER_MINUTE: '20',
    SOCKET_BYTES_PER_MINUTE: String(64 * 1024 * 1024),
    MAX_CONNECTIONS_PER_ADDRESS: '50',
    CONNECTIONS_PER_ADDRESS_PER_MINUTE: '60',
  };
}

/** A calm client's address: one each, in 10.0.0.0/8. */
const calmAddress = (seat: number) => `10.${(seat >> 16) & 255}.${(seat >> 8) & 255}.${seat & 255}`;
const FLOODER_ADDRESS = '198.51.100.66';

/** The calm fixed load without anything else: the reference run. */
export function runCalm(server: ServerProcess, gens: Generators, s: FloodSettings, log: (l: string) => void) {
  return runFanout(server, gens, s.topology, s.fanout, 'FLC', log, false, calmAddress);
}

/**
 * The same calm fixed load while one client floods its own room at `floodFactor` times its limit,
 * reconnecting whenever it is thrown out.
 */
export async function runFlooded(
  server: ServerProcess,
  gens: Generators,
  flooderGen: Generators,
  s: FloodSettings,
  log: (l: string) => void,
): Promise<{ flooded: FanoutResult; flooder: FloodResult }> {
  await flooderGen.floodStart({
    url: server.url,
    seat: { room: 'FLD-000-OOD', agent: 'flooder', address: FLOODER_ADDRESS },
    messagesPerSec: s.eventsPerSecond * s.floodFactor,
    padding: s.fanout.padding,
    reconnectMs: 50,
  });
  const flooded = await runFanout(server, gens, s.topology, s.fanout, 'FLF', log, false, calmAddress).catch(
    async (err: Error) => {
      await flooderGen.floodStop().catch(() => undefined);
      throw err;
    },
  );
  const flooder = await flooderGen.floodStop();
  log(
    `  flooder: sent ${flooder.sent}, refused ${flooder.refused}, accepted ${flooder.echoed}, ` +
      `disconnected ${flooder.disconnects}x, reconnections refused ${flooder.refusedConnects}`,
  );
  return { flooded, flooder };
}
