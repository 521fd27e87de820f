import type { Generators } from '../lib/generators.js';
import type { Seat } from '../lib/generator-protocol.js';
import { Histogram, type LatencySummary } from '../lib/histogram.js';
import { cpuMeter, machineCpuMs } from '../lib/proc-stats.js';
import type { ServerProcess } from '../lib/servers.js';

export interface Topology {
  rooms: number;
  members: number;
}

export interface FanoutSettings {
  /** The fixed offered load, deliveries/s (messages/s x members). */
  fixedRate: number;
  fixedRuns: number;
  fixedMs: number;
  warmupMs: number;
  /** Offered deliveries/s per ladder step, rising. */
  ladder: number[];
  stepMs: number;
  drainMs: number;
  padding: number;
  minDelivered: number;
  maxP99Ms: number;
}

export interface StepResult {
  offered: number;
  delivered: number;
  deliveredShare: number;
  /** Deliveries/s actually observed. */
  rate: number;
  latency: LatencySummary;
  serverCpuShare: number;
  /** Server CPU time per delivery, microseconds. */
  cpuPerDeliveryUs: number;
  generatorCpuShare: number;
  /** CPU used by everything else on the machine during the step, in cores (the machine is shared). */
  otherCpuCores: number;
  errors: number;
  ok: boolean;
}

export interface FanoutResult {
  topology: Topology;
  joinMs: number;
  fixed: StepResult[];
  fixedP99Median: number;
  fixedCpuPerDeliveryUs: number;
  fixedDeliveredShare: number;
  ladder: StepResult[];
  /** Highest passing step (deliveries/s), 0 when none passed. */
  sustained: number;
  brokeAt: StepResult | null;
}

export function seatsFor({ rooms, members }: Topology, tag: string): Seat[] {
  const seats: Seat[] = [];
  for (let r = 0; r < rooms; r++) {
    const room = `${tag}-${r.toString(36).toUpperCase().padStart(3, '0')}-FAN`;
    for (let m = 0; m < members; m++) seats.push({ room, agent: `bench-${m}` });
  }
  return seats;
}

async function step(
  server: ServerProcess,
  gens: Generators,
  t: Topology,
  offered: number,
  ms: number,
  s: FanoutSettings,
): Promise<StepResult> {
  const serverCpu = cpuMeter(server.pids());
  const genCpu0 = gens.cpuMs();
  const machine0 = machineCpuMs();
  const t0 = performance.now();
  const replies = await gens.fanout(offered / t.members, ms, s.drainMs, s.padding);
  const cpu = serverCpu();
  const wall = performance.now() - t0;
  const genCpu = gens.cpuMs() - genCpu0;
  const genShare = genCpu / wall;
  const machineBusy = machineCpuMs().busy - machine0.busy;
  const otherCpuCores = Math.max(0, machineBusy - cpu.cpuMs - genCpu) / wall;
  const latency = new Histogram();
  let sent = 0;
  let delivered = 0;
  let errors = 0;
  for (const r of replies) {
    latency.merge(r.latency);
    sent += r.sent;
    delivered += r.received;
    errors += r.errorsReceived;
  }
  const expected = sent * t.members;
  const deliveredShare = expected > 0 ? Math.min(1, delivered / expected) : 0;
  const summary = latency.summary();
  // CPU over the send window only would miss the backlog the server works off while draining.
  const cpuMs = cpu.cpuMs;
  return {
    offered,
    delivered,
    deliveredShare,
    rate: delivered / (ms / 1000),
    latency: summary,
    serverCpuShare: cpu.share * (cpu.wallMs / ms),
    cpuPerDeliveryUs: delivered > 0 ? (cpuMs * 1000) / delivered : 0,
    generatorCpuShare: genShare,
    otherCpuCores,
    errors,
    ok: deliveredShare >= s.minDelivered && summary.p99 < s.maxP99Ms && errors === 0,
  };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
};

/** Joins R x M clients, measures the fixed load `fixedRuns` times, then climbs the ladder until a step fails. */
export async function runFanout(
  server: ServerProcess,
  gens: Generators,
  topology: Topology,
  settings: FanoutSettings,
  tag: string,
  log: (line: string) => void,
  withLadder = true,
): Promise<FanoutResult> {
  const joined = await gens.connect(server.url, seatsFor(topology, tag));
  if (joined.failed > 0) throw new Error(`${joined.failed} clients failed to join: ${joined.errors.join('; ')}`);
  try {
    if (settings.warmupMs > 0)
      await gens.fanout(settings.fixedRate / topology.members, settings.warmupMs, settings.drainMs, settings.padding);
    const fixed: StepResult[] = [];
    for (let i = 0; i < settings.fixedRuns; i++) {
      const r = await step(server, gens, topology, settings.fixedRate, settings.fixedMs, settings);
      log(`  fixed ${settings.fixedRate}/s run ${i + 1}: ${fmtStep(r)}`);
      fixed.push(r);
    }
    const ladder: StepResult[] = [];
    let brokeAt: StepResult | null = null;
    let sustained = 0;
    for (const offered of withLadder ? settings.ladder : []) {
      let r = await step(server, gens, topology, offered, settings.stepMs, settings);
      log(`  ladder ${offered}/s: ${fmtStep(r)}`);
      if (!r.ok) {
        // The machine is shared: a step breaks only if it breaks twice, so one burst of someone
        // else's work does not end the ladder.
        r = await step(server, gens, topology, offered, settings.stepMs, settings);
        log(`  ladder ${offered}/s again: ${fmtStep(r)}`);
      }
      ladder.push(r);
      if (!r.ok) {
        brokeAt = r;
        break;
      }
      sustained = offered;
    }
    const delivered = fixed.reduce((s, r) => s + r.delivered, 0);
    const cpuUs = fixed.reduce((s, r) => s + r.cpuPerDeliveryUs * r.delivered, 0);
    return {
      topology,
      joinMs: joined.ms,
      fixed,
      fixedP99Median: median(fixed.map((r) => r.latency.p99)),
      fixedCpuPerDeliveryUs: delivered > 0 ? cpuUs / delivered : 0,
      fixedDeliveredShare: Math.min(...fixed.map((r) => r.deliveredShare)),
      ladder,
      sustained,
      brokeAt,
    };
  } finally {
    await gens.closeClients();
  }
}

export function fmtStep(r: StepResult): string {
  return (
    `delivered ${(r.deliveredShare * 100).toFixed(1)}% (${Math.round(r.rate)}/s) ` +
    `p50 ${r.latency.p50} p99 ${r.latency.p99} max ${r.latency.max} ms, ` +
    `server cpu ${(r.serverCpuShare * 100).toFixed(0)}% ${r.cpuPerDeliveryUs.toFixed(2)} us/delivery, ` +
    `generators ${(r.generatorCpuShare * 100).toFixed(0)}%, others ${(r.otherCpuCores * 100).toFixed(0)}%${r.errors ? `, ${r.errors} errors` : ''}${r.ok ? '' : ' FAIL'}`
  );
}
