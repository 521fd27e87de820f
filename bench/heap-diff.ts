/**
 * What one joined idle connection keeps on the JavaScript heap, GhostChat against the relay: each
 * server (as the bench runs it, `--max-semi-space-size=1`) takes a heap snapshot after a warm-up
 * and another with N joined idle clients (rooms of 5, the connections scenario's clients); the
 * self sizes are summed by node type and constructor name, and the growth divided by N.
 *
 *   npx tsx bench/heap-diff.ts [--connections 3000] [--kinds baseline,memory,redis] [--dist DIR] [--top 40]
 *
 * Snapshots go to /tmp/ghostchat-heap-diff/<kind>/ and are kept for a closer look in DevTools.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { prepareServers } from './lib/build.js';
import { Generators } from './lib/generators.js';
import { rssBytes } from './lib/proc-stats.js';
import { openBenchRedis, type BenchRedis } from './lib/redis.js';
import { startServer, type ServerKind } from './lib/servers.js';
import { seatsFor } from './scenarios/fanout.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const count = Number(arg('connections', '3000'));
const kinds = arg('kinds', 'baseline,memory,redis').split(',') as ServerKind[];
const top = Number(arg('top', '40'));
const dist = process.argv.includes('--dist') ? arg('dist', '') : undefined;
const root = '/tmp/ghostchat-heap-diff';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Signals the process and waits until the snapshot file it writes stops growing. */
async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  for (;;) {
    await sleep(500);
    const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const path = join(dir, file);
    const size = statSync(path).size;
    await sleep(1000);
    if (size > 0 && statSync(path).size === size) return path;
  }
}

type Totals = Map<string, { size: number; count: number }>;

/** Self sizes summed by `type:name` (objects and closures by constructor / function name). */
function totals(path: string): Totals {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [t, n, s] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out: Totals = new Map();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + t]!]!;
    const named = ['object', 'closure', 'native', 'array', 'hidden', 'object shape'].includes(type);
    const name = named ? snap.strings[snap.nodes[i + n]!]!.slice(0, 60) : '';
    const key = `${type}:${name}`;
    const entry = out.get(key) ?? { size: 0, count: 0 };
    entry.size += snap.nodes[i + s]!;
    entry.count++;
    out.set(key, entry);
  }
  return out;
}

function growth(a: Totals, b: Totals): Map<string, { bytes: number; count: number }> {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const out = new Map<string, { bytes: number; count: number }>();
  for (const key of keys) {
    const x = a.get(key) ?? { size: 0, count: 0 };
    const y = b.get(key) ?? { size: 0, count: 0 };
    out.set(key, { bytes: (y.size - x.size) / count, count: (y.count - x.count) / count });
  }
  return out;
}

async function measure(
  kind: ServerKind,
  entries: Awaited<ReturnType<typeof prepareServers>>,
  redis: BenchRedis | null,
) {
  const dir = join(root, kind);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await startServer(kind, {
    entries,
    ...(kind === 'redis' && redis ? { redisUrl: redis.url, redisPrefix: redis.newPrefix() } : {}),
    nodeFlags: ['--max-semi-space-size=1', '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`],
  });
  const gens = Generators.start(4);
  try {
    // Warm-up: whatever is built on first use (schemas, scripts, caches) is in both snapshots.
    await gens.connect(server.url, seatsFor({ rooms: 40, members: 5 }, 'WRM'), 60_000);
    await gens.closeClients();
    await sleep(2000);
    const rss0 = rssBytes(server.pid);
    const before = await snapshot(server.pid, dir);
    const seats = seatsFor({ rooms: Math.ceil(count / 5), members: 5 }, 'IDL').slice(0, count);
    const joined = await gens.connect(server.url, seats, 120_000);
    await sleep(3000);
    const rss1 = rssBytes(server.pid);
    const after = await snapshot(server.pid, dir);
    return {
      joined: joined.opened,
      rssKb: (rss1 - rss0) / 1024 / joined.opened,
      diff: growth(totals(before), totals(after)),
    };
  } finally {
    await gens.closeClients().catch(() => undefined);
    await gens.stop();
    await server.stop();
  }
}

const entries = await prepareServers(dist, (line) => console.log(line));
const redis = kinds.includes('redis') ? await openBenchRedis() : null;
const results = new Map<ServerKind, Awaited<ReturnType<typeof measure>>>();
try {
  for (const kind of kinds) {
    const r = await measure(kind, entries, redis);
    results.set(kind, r);
    const heap = [...r.diff.values()].reduce((sum, d) => sum + d.bytes, 0);
    console.log(
      `${kind}: ${r.joined} joined, heap +${(heap / 1024).toFixed(2)} KB/conn, RSS +${r.rssKb.toFixed(1)} KB/conn`,
    );
  }
} finally {
  await redis?.close();
}

const base = results.get('baseline')?.diff ?? new Map<string, { bytes: number; count: number }>();
for (const [kind, r] of results) {
  if (kind === 'baseline') continue;
  console.log(`\n${kind} - baseline, bytes and objects per connection (self sizes), largest first`);
  const rows = [...r.diff].map(([key, d]) => {
    const b = base.get(key) ?? { bytes: 0, count: 0 };
    return { key, bytes: d.bytes - b.bytes, count: d.count - b.count, own: d.bytes, ownCount: d.count };
  });
  rows.sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes));
  for (const row of rows.slice(0, top)) {
    console.log(
      `${row.bytes.toFixed(1).padStart(8)} B ${row.count.toFixed(2).padStart(6)} obj   (${kind} ${row.own.toFixed(1)} B ${row.ownCount.toFixed(2)})  ${row.key}`,
    );
  }
}
if (results.has('baseline')) {
  console.log('\nbaseline alone, largest first');
  const rows = [...base].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, top);
  for (const [key, d] of rows)
    console.log(`${d.bytes.toFixed(1).padStart(8)} B ${d.count.toFixed(2).padStart(6)} obj  ${key}`);
}
