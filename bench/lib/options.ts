import { parseArgs } from 'node:util';
import type { FanoutSettings, Topology } from '../scenarios/fanout.js';
import type { ExpirySettings } from '../scenarios/expiry.js';
import type { FloodSettings } from '../scenarios/flood.js';
import type { WorkersSettings } from '../scenarios/workers.js';

export const SCENARIOS = ['fanout', 'connections', 'history', 'images', 'expiry', 'workers', 'flood'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  quick: boolean;
  scenarios: Scenario[];
  redis: boolean;
  redisUrl: string | undefined;
  generators: number;
  topologies: Topology[];
  /** Re-run the baseline ladder with one more generator process to show the generator is not the limit. */
  generatorCheck: boolean;
  fanout: FanoutSettings;
  connections: number;
  history: { messages: number; seconds: number; connections: number };
  images: { uploads: number; sizeMb: number };
  expiry: ExpirySettings;
  flood: FloodSettings;
  /** 1 vs 2 worker processes on Redis: connections held on one port, fan-out, CPU per delivery. */
  workers: WorkersSettings;
  /** Profile GhostChat (memory) under the fixed fan-out load with --cpu-prof. */
  profile: boolean;
  /** Before each server start, wait up to this long for the shared machine to go quiet. */
  quietWaitMs: number;
  /** Environment for every server process, GhostChat and baseline alike (e.g. allocator settings). */
  serverEnv: Record<string, string>;
  write: boolean;
  /** A built tree to run GhostChat from instead of building this one (an A/B against another commit). */
  dist: string | undefined;
}

const USAGE = `Usage: npm run bench -- [options]
  --quick                 seconds-long smoke run with tiny sizes; no targets asserted, nothing written
  --only LIST             scenarios to run, comma-separated: ${SCENARIOS.join(',')} (default: all)
  --no-redis              skip the Redis runs
  --redis-url URL         use this Redis (bench keys under a fresh prefix, deleted afterwards)
                          instead of a private redis-server on a free port
  --generators N          load-generator processes (default 2)
  --topologies LIST       fan-out rooms x members, e.g. 50x5,10x100 (default)
                          (flood: 50 calm rooms of 5, and a client flooding at 10x its event limit)
  --rate N                fixed offered load, deliveries/s (default 20000)
  --connections N         idle connections (default 10000)
  --expiry-messages N     live messages in the expiry run (default 100000)
  --worker-connections N  idle connections each of the 1- and 2-worker servers is asked to hold
                          (default 38500: one process tops out near its open-files limit; at 40000 each of two workers is at its own and connections hang)
  --fixed-only            fan-out: only the fixed load, no ladder (quick A/B of a hot-path change)
  --fixed-runs N          fan-out: repetitions of the fixed load (default 3)
  --no-generator-check    skip the baseline re-run with one more generator process
  --quiet-wait SECONDS    before each server start, wait up to this long for the machine to be idle (default 10; 0 in --quick)
  --profile               also profile GhostChat (memory store) under the fixed load (--cpu-prof)
  --server-env K=V        set K=V for every server process, GhostChat and the baseline (repeatable),
                          e.g. MALLOC_MMAP_THRESHOLD_=65536 to measure an allocator setting
  --dist DIR              run GhostChat from DIR/main.js, a tree built elsewhere (e.g. an older
                          commit, for an A/B run), instead of building this one into dist/ (writes nothing)
  --no-write              print only; do not write bench/results/ or BENCHMARKS.md (--only implies it)
  --help`;

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'no-redis': { type: 'boolean', default: false },
      'redis-url': { type: 'string' },
      generators: { type: 'string' },
      topologies: { type: 'string' },
      rate: { type: 'string' },
      connections: { type: 'string' },
      'expiry-messages': { type: 'string' },
      'worker-connections': { type: 'string' },
      'no-generator-check': { type: 'boolean', default: false },
      'fixed-only': { type: 'boolean', default: false },
      'fixed-runs': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'quiet-wait': { type: 'string' },
      'server-env': { type: 'string', multiple: true },
      'no-write': { type: 'boolean', default: false },
      dist: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return null;
  }
  const quick = values.quick;
  const scenarios = (values.only?.split(',').map((s) => s.trim()) ?? [...SCENARIOS]) as Scenario[];
  for (const s of scenarios)
    if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; one of ${SCENARIOS.join(', ')}`);
  const topologies = (values.topologies ?? (quick ? '4x3' : '50x5,10x100')).split(',').map((t) => {
    const m = /^(\d+)x(\d+)$/.exec(t.trim());
    if (!m) throw new Error(`--topologies: ${t} is not RxM`);
    return { rooms: Number(m[1]), members: Number(m[2]) };
  });
  const rate = int(values.rate, quick ? 600 : 20_000, 'rate');
  const fanout: FanoutSettings = {
    fixedRate: rate,
    fixedRuns: int(values['fixed-runs'], quick ? 1 : 3, 'fixed-runs'),
    fixedMs: quick ? 500 : 4000,
    warmupMs: quick ? 200 : 2000,
    ladder: values['fixed-only']
      ? []
      : quick
        ? [rate * 2]
        : [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000, 120_000, 140_000, 170_000, 200_000],
    stepMs: quick ? 500 : 3000,
    drainMs: quick ? 500 : 2000,
    padding: 80,
    minDelivered: 0.97,
    maxP99Ms: 250,
  };
  return {
    quick,
    scenarios,
    redis: !values['no-redis'],
    redisUrl: values['redis-url'],
    generators: int(values.generators, 2, 'generators'),
    topologies,
    generatorCheck: !quick && !values['no-generator-check'] && !values['fixed-only'],
    fanout,
    // 50 calm rooms of 5 at the fixed load (about 16 messages/s a member), a flooder at 10x its limit.
    flood: {
      topology: quick ? { rooms: 10, members: 3 } : { rooms: 50, members: 5 },
      fanout,
      eventsPerSecond: 50,
      floodFactor: 10,
    },
    connections: int(values.connections, quick ? 60 : 10_000, 'connections'),
    history: { messages: quick ? 20 : 500, seconds: quick ? 1 : 5, connections: quick ? 2 : 10 },
    images: { uploads: quick ? 2 : 20, sizeMb: quick ? 1 : 10 },
    expiry: {
      messages: int(values['expiry-messages'], quick ? 300 : 100_000, 'expiry-messages'),
      rooms: quick ? 3 : 100,
      marginMs: quick ? 1500 : 20_000,
      maxMarginMs: quick ? 5000 : 150_000,
      spreadMs: quick ? 1500 : 60_000,
      graceMs: quick ? 3000 : 10_000,
    },
    workers: {
      connections: int(values['worker-connections'], quick ? 60 : 38_500, 'worker-connections'),
      topology: quick ? { rooms: 4, members: 3 } : { rooms: 50, members: 5 },
      fanout,
      settleMs: quick ? 300 : 3000,
    },
    profile: values.profile,
    quietWaitMs: values['quiet-wait'] === '0' ? 0 : int(values['quiet-wait'], quick ? 0 : 10, 'quiet-wait') * 1000,
    serverEnv: Object.fromEntries(
      (values['server-env'] ?? []).map((pair) => {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
        if (!m) throw new Error(`--server-env: ${pair} is not KEY=VALUE`);
        if (['PORT', 'HOST', 'REDIS_URL', 'REDIS_PREFIX'].includes(m[1]!))
          throw new Error(`--server-env: ${m[1]} is the benchmark's own to set`);
        return [m[1]!, m[2]!];
      }),
    ),
    // A run under other settings than the defaults, or of some scenarios only, is not the run
    // BENCHMARKS.md reports.
    write:
      !quick &&
      !values['no-write'] &&
      (values['server-env'] ?? []).length === 0 &&
      values.only === undefined &&
      values.dist === undefined,
    dist: values.dist,
  };
}
