import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConnectionsResult } from '../scenarios/connections.js';
import type { ExpiryResult } from '../scenarios/expiry.js';
import type { FanoutResult, Topology } from '../scenarios/fanout.js';
import type { FloodRun } from '../scenarios/flood.js';
import type { HistoryResult } from '../scenarios/history.js';
import type { ImagesResult } from '../scenarios/images.js';
import type { WorkersRun } from '../scenarios/workers.js';
import { machineLine, type Machine } from './machine.js';

export type Store = 'memory' | 'redis';

export interface Results {
  date: string;
  quick: boolean;
  durationSeconds: number;
  machine: Machine;
  generators: number;
  fanout: Array<{
    topology: Topology;
    baseline: FanoutResult;
    memory?: FanoutResult;
    redis?: FanoutResult;
    /** The fixed load again, rooms at a cap of `maxMessages`: every message evicts one (announced). */
    atCap?: { maxMessages: number; memory?: FanoutResult; redis?: FanoutResult };
  }>;
  generatorCheck?: {
    generators: number;
    sustained: number;
    plusOneSustained: number;
    plusOneCpuPerDeliveryUs: number;
    cpuPerDeliveryUs: number;
  };
  connections?: { baseline: ConnectionsResult; memory?: ConnectionsResult; redis?: ConnectionsResult };
  history?: { baseline: HistoryResult; memory?: HistoryResult; redis?: HistoryResult };
  images?: ImagesResult;
  expiry?: { memory?: ExpiryResult; redis?: ExpiryResult; concurrent: boolean };
  flood?: {
    settings: Topology & { eventsPerSecond: number; floodFactor: number };
    memory?: FloodRun;
    redis?: FloodRun;
  };
  /** WORKERS=1 then WORKERS=2, on Redis. */
  workers?: WorkersRun[];
  notes: string[];
}

export interface Row {
  metric: string;
  store: string;
  ghost: string;
  baseline: string;
  ratio: string;
  target: string;
  verdict: 'PASS' | 'MISS' | 'info' | 'n/a';
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const ratioOf = (a: number, b: number) => (b > 0 ? a / b : NaN);

function judged(ok: boolean): 'PASS' | 'MISS' {
  return ok ? 'PASS' : 'MISS';
}

/** One row per figure; targets from issue 10, each against the same-run baseline. */
export function rows(r: Results): Row[] {
  const out: Row[] = [];
  for (const f of r.fanout) {
    const topo = `${f.topology.rooms}x${f.topology.members}`;
    for (const store of ['memory', 'redis'] as const) {
      const g = f[store];
      if (!g) continue;
      const b = f.baseline;
      const sustainedRatio = ratioOf(g.sustained, b.sustained);
      const sustainedTarget = store === 'memory' ? 0.8 : 0.6;
      const brokeNote = (x: FanoutResult) =>
        x.brokeAt
          ? ` (broke at ${x.brokeAt.offered / 1000}k, cpu ${fmt(x.brokeAt.serverCpuShare * 100, 0)}%)`
          : ' (never broke)';
      out.push({
        metric: `fan-out ${topo}: sustained deliveries/s`,
        store,
        ghost: `${g.sustained}${brokeNote(g)}`,
        baseline: `${b.sustained}${brokeNote(b)}`,
        ratio: fmt(sustainedRatio, 2),
        target: `>= ${sustainedTarget}x`,
        // Without a baseline figure there is nothing to compare against (the machine was too busy).
        verdict: b.sustained > 0 ? judged(sustainedRatio >= sustainedTarget) : 'n/a',
      });
      const cpuRatio = ratioOf(g.fixedCpuPerDeliveryUs, b.fixedCpuPerDeliveryUs);
      const cpuTarget = store === 'memory' ? 1.25 : 2.0;
      out.push({
        metric: `fan-out ${topo}: server CPU per delivery at ${r.fanout.length ? (f.baseline.fixed[0]?.offered ?? 0) : 0}/s (us)`,
        store,
        ghost: fmt(g.fixedCpuPerDeliveryUs, 2),
        baseline: fmt(b.fixedCpuPerDeliveryUs, 2),
        ratio: fmt(cpuRatio, 2),
        target: `<= ${cpuTarget}x`,
        verdict: judged(cpuRatio <= cpuTarget),
      });
      const p99Ratio = ratioOf(g.fixedP99Median, b.fixedP99Median);
      out.push({
        metric: `fan-out ${topo}: p99 ms (median of ${g.fixed.length}), delivered ${fmt(g.fixedDeliveredShare * 100)}%`,
        store,
        ghost: `${fmt(g.fixedP99Median)} (p50 ${fmt(median(g.fixed.map((x) => x.latency.p50)))}, max ${fmt(Math.max(...g.fixed.map((x) => x.latency.max)), 0)})`,
        baseline: `${fmt(b.fixedP99Median)} (p50 ${fmt(median(b.fixed.map((x) => x.latency.p50)))}, max ${fmt(Math.max(...b.fixed.map((x) => x.latency.max)), 0)})`,
        ratio: fmt(p99Ratio, 2),
        target: '<= 1.5x',
        verdict: judged(p99Ratio <= 1.5 && g.fixedDeliveredShare >= 0.97),
      });
      const full = f.atCap?.[store];
      if (full) {
        out.push({
          metric: `fan-out ${topo} at the room cap (${f.atCap!.maxMessages} messages; each new one evicts one): server CPU per delivery (us), p99 ms`,
          store,
          ghost: `${fmt(full.fixedCpuPerDeliveryUs, 2)}, p99 ${fmt(full.fixedP99Median)} (below the cap: ${fmt(g.fixedCpuPerDeliveryUs, 2)})`,
          baseline: fmt(b.fixedCpuPerDeliveryUs, 2),
          ratio: fmt(ratioOf(full.fixedCpuPerDeliveryUs, b.fixedCpuPerDeliveryUs), 2),
          target: '-',
          verdict: 'info',
        });
      }
    }
  }
  if (r.generatorCheck) {
    const c = r.generatorCheck;
    out.push({
      metric: `generator check: baseline sustained with ${c.generators} vs ${c.generators + 1} generator processes`,
      store: 'baseline',
      ghost: `${c.plusOneSustained} (${fmt(c.plusOneCpuPerDeliveryUs, 2)} us)`,
      baseline: `${c.sustained} (${fmt(c.cpuPerDeliveryUs, 2)} us)`,
      ratio: fmt(ratioOf(c.plusOneSustained, c.sustained), 2),
      target: 'not above 1x',
      verdict: 'info',
    });
  }
  if (r.connections) {
    const b = r.connections.baseline;
    for (const store of ['memory', 'redis'] as const) {
      const g = r.connections[store];
      if (!g) continue;
      const ratio = ratioOf(g.perConnectionKb, b.perConnectionKb);
      out.push({
        metric: `idle connections (${g.connections}): RSS growth per connection (KB)`,
        store,
        ghost: fmt(g.perConnectionKb),
        baseline: fmt(b.perConnectionKb),
        ratio: fmt(ratio, 2),
        target: '<= 0.9x',
        verdict: judged(ratio <= 0.9 && g.failed === 0),
      });
      out.push({
        metric: 'idle connections: joins/s',
        store,
        ghost: fmt(g.joinsPerSec, 0),
        baseline: fmt(b.joinsPerSec, 0),
        ratio: fmt(ratioOf(g.joinsPerSec, b.joinsPerSec), 2),
        target: '-',
        verdict: 'info',
      });
    }
  }
  if (r.history) {
    const b = r.history.baseline;
    for (const store of ['memory', 'redis'] as const) {
      const g = r.history[store];
      if (!g) continue;
      out.push({
        metric: `history page of ${g.page} (room of ${g.messages}): requests/s (p99 ms)`,
        store,
        ghost: `${fmt(g.requestsPerSec, 0)} (${g.latencyP99Ms})${g.non2xx ? ` ${g.non2xx} non-2xx` : ''}`,
        baseline: `${fmt(b.requestsPerSec, 0)} (${b.latencyP99Ms})`,
        ratio: fmt(ratioOf(g.requestsPerSec, b.requestsPerSec), 2),
        target: '-',
        verdict: 'info',
      });
    }
  }
  if (r.images) {
    const i = r.images;
    out.push(
      i.available
        ? {
            metric: `images: ${i.uploads} concurrent ${i.sizeMb} MB uploads, peak RSS growth MB (MB/s)`,
            store: 'memory',
            ghost: `${fmt(i.peakRssGrowthMb)} (${fmt(i.throughputMbPerSec)} MB/s, ${i.ok}/${i.uploads} ok)`,
            baseline: i.baseline
              ? `${fmt(i.baseline.peakRssGrowthMb)} (${fmt(i.baseline.throughputMbPerSec)} MB/s, receive only)`
              : '-',
            ratio: i.baseline ? fmt(ratioOf(i.peakRssGrowthMb, i.baseline.peakRssGrowthMb), 2) : '-',
            target: '< 64 MB',
            verdict: judged(i.peakRssGrowthMb < 64 && i.ok === i.uploads),
          }
        : {
            metric: 'images: 20 x 10 MB uploads',
            store: '-',
            ghost: i.note,
            baseline: '-',
            ratio: '-',
            target: '< 64 MB',
            verdict: 'n/a',
          },
    );
  }
  if (r.expiry) {
    for (const store of ['memory', 'redis'] as const) {
      const e = r.expiry[store];
      if (!e) continue;
      const ok = e.lag.p99 < 1000 && e.lag.max < 2000 && e.missing === 0 && e.doubled === 0 && e.stored === e.sent;
      out.push({
        metric: `expiry of ${e.stored} live messages: lag p50 / p99 / max ms (missing, doubled)`,
        store,
        ghost: `${fmt(e.lag.p50)} / ${fmt(e.lag.p99)} / ${fmt(e.lag.max)} (${e.missing}, ${e.doubled})`,
        baseline: '-',
        ratio: '-',
        target: 'p99 < 1000, max < 2000, none missing or doubled',
        verdict: judged(ok),
      });
    }
  }
  if (r.flood) out.push(...floodRows(r.flood));
  if (r.workers) out.push(...workerRows(r.workers));
  if (r.quick) for (const row of out) if (row.verdict === 'PASS' || row.verdict === 'MISS') row.verdict = 'n/a';
  return out;
}

/** With the flooder against without it, same run: latency and CPU of the calm rooms (issue 15 targets). */
function floodRows(flood: NonNullable<Results['flood']>): Row[] {
  const out: Row[] = [];
  const { rooms, members, eventsPerSecond, floodFactor } = flood.settings;
  for (const store of ['memory', 'redis'] as const) {
    const f = flood[store];
    if (!f) continue;
    const p99 = ratioOf(f.flooded.fixedP99Median, f.calm.fixedP99Median);
    const delivered = Math.min(f.flooded.fixedDeliveredShare, f.calm.fixedDeliveredShare);
    out.push({
      metric: `flood: p99 ms of ${rooms}x${members} calm rooms, one client flooding vs none, delivered ${fmt(delivered * 100)}%`,
      store,
      ghost: fmt(f.flooded.fixedP99Median),
      baseline: fmt(f.calm.fixedP99Median),
      ratio: fmt(p99, 2),
      target: '<= 1.5x',
      verdict: judged(p99 <= 1.5 && delivered >= 0.97),
    });
    const cpu = ratioOf(f.flooded.fixedCpuPerDeliveryUs, f.calm.fixedCpuPerDeliveryUs);
    out.push({
      metric: `flood: server CPU per calm delivery (us), one client flooding vs none`,
      store,
      ghost: fmt(f.flooded.fixedCpuPerDeliveryUs, 2),
      baseline: fmt(f.calm.fixedCpuPerDeliveryUs, 2),
      ratio: fmt(cpu, 2),
      target: '<= 1.05x',
      verdict: judged(cpu <= 1.05),
    });
    const x = f.flooder;
    out.push({
      metric: `flood: the flooder (${eventsPerSecond * floodFactor}/s against a limit of ${eventsPerSecond}/s)`,
      store,
      ghost: `sent ${x.sent}, accepted ${x.echoed}, refused ${x.refused}, disconnected ${x.disconnects}x`,
      baseline: '-',
      ratio: '-',
      target: '-',
      verdict: 'info',
    });
  }
  return out;
}

/** WORKERS=2 against WORKERS=1 (in the baseline column): the targets of issue 16. */
function workerRows(runs: WorkersRun[]): Row[] {
  const one = runs.find((w) => w.workers === 1);
  const two = runs.find((w) => w.workers === 2);
  if (!one || !two) return [];
  const topo = `${two.fanout.topology.rooms}x${two.fanout.topology.members}`;
  const top = (f: FanoutResult) => f.ladder.filter((s) => s.ok).at(-1) ?? f.fixed[0];
  const machine = (f: FanoutResult) => {
    const s = top(f);
    return s
      ? ` (server ${fmt(s.serverCpuShare, 2)}, generators ${fmt(s.generatorCpuShare, 2)}, others ${fmt(s.otherCpuCores, 2)} cores)`
      : '';
  };
  return [
    {
      metric: `workers: joined idle connections held on one port (of ${two.connections.connections + two.connections.failed} asked)`,
      store: 'redis',
      ghost: `2 workers: ${two.connections.connections}`,
      baseline: `1 worker: ${one.connections.connections}`,
      ratio: fmt(ratioOf(two.connections.connections, one.connections.connections), 2),
      target: '>= 38000 with 2 workers',
      verdict: judged(two.connections.connections >= 38_000),
    },
    {
      metric: `workers: fan-out ${topo} sustained deliveries/s (CPU in cores at the top step)`,
      store: 'redis',
      ghost: `2 workers: ${two.fanout.sustained}${machine(two.fanout)}`,
      baseline: `1 worker: ${one.fanout.sustained}${machine(one.fanout)}`,
      ratio: fmt(ratioOf(two.fanout.sustained, one.fanout.sustained), 2),
      target: '>= 1.6x',
      verdict: one.fanout.sustained > 0 ? judged(two.fanout.sustained >= 1.6 * one.fanout.sustained) : 'n/a',
    },
    {
      metric: `workers: server CPU per delivery at ${two.fanout.fixed[0]?.offered ?? 0}/s (us, all processes)`,
      store: 'redis',
      ghost: `2 workers: ${fmt(two.fanout.fixedCpuPerDeliveryUs, 2)}`,
      baseline: `1 worker: ${fmt(one.fanout.fixedCpuPerDeliveryUs, 2)}`,
      ratio: fmt(ratioOf(two.fanout.fixedCpuPerDeliveryUs, one.fanout.fixedCpuPerDeliveryUs), 2),
      target: '-',
      verdict: 'info',
    },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

export function table(rs: Row[]): string {
  const head = '| Figure | Store | GhostChat | Baseline | Ratio | Target | Verdict |\n|---|---|---|---|---|---|---|';
  return [
    head,
    ...rs.map(
      (r) => `| ${r.metric} | ${r.store} | ${r.ghost} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.verdict} |`,
    ),
  ].join('\n');
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const BEGIN = '<!-- bench:begin (written by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:end -->';

/** Writes bench/results/<date>.json and replaces the generated part of BENCHMARKS.md (notes outside it stay). */
export function writeResults(r: Results, rs: Row[], ladderText: string): { json: string; markdown: string } {
  const dir = `${root}bench/results`;
  mkdirSync(dir, { recursive: true });
  const json = `${dir}/${r.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}.json`;
  writeFileSync(json, `${JSON.stringify({ ...r, rows: rs }, null, 2)}\n`);
  const generated = [
    BEGIN,
    `## Latest full run: ${r.date}`,
    '',
    `Machine: ${machineLine(r.machine)}. ${r.generators} generator processes. Took ${Math.round(r.durationSeconds)} s.`,
    `Raw figures: \`bench/results/${json.slice(dir.length + 1)}\`.`,
    '',
    table(rs),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
    '<details><summary>Every fan-out step</summary>',
    '',
    '```',
    ladderText,
    '```',
    '</details>',
    END,
  ].join('\n');
  const path = `${root}BENCHMARKS.md`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + generated + current.slice(end + END.length)
      : `# GhostChat benchmarks\n\nRun with \`npm run bench\` (see README, "Benchmarks"). Every figure is GhostChat / a bare socket.io relay measured in the same run.\n\n${generated}\n`;
  writeFileSync(path, next);
  return { json, markdown: path };
}
