/**
 * `npm run bench`: GhostChat against a bare socket.io relay, same run, same generator (issue 10).
 * See BENCHMARKS.md for the method and the latest results; `--help` for options.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareServers, type ServerEntries } from './lib/build.js';
import { Generators } from './lib/generators.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { parseOptions, type BenchOptions } from './lib/options.js';
import { summariseProfile, type ProfileSummary } from './lib/profile.js';
import { waitForQuiet } from './lib/proc-stats.js';
import { openBenchRedis, type BenchRedis } from './lib/redis.js';
import { rows, table, writeResults, type Results } from './lib/report.js';
import { startServer, type ServerKind, type ServerProcess } from './lib/servers.js';
import { runConnections } from './scenarios/connections.js';
import { runExpiry } from './scenarios/expiry.js';
import { runFanout, type FanoutResult, type FanoutSettings } from './scenarios/fanout.js';
import { floodEnv, runCalm, runFlooded } from './scenarios/flood.js';
import { HISTORY_PAGE_MAX_LIMIT } from '../src/defaults.js';
import { fillRoom, historyUrl, runHistory } from './scenarios/history.js';
import { runImages, uploadRouteExists } from './scenarios/images.js';
import { imageUpload } from './scenarios/image-fixture.js';
import { holdIdleConnections, workersFanout, type WorkersRun } from './scenarios/workers.js';

const log = (line: string) => process.stdout.write(`${line}\n`);
let quietWaitMs = 0;
let entries: ServerEntries;
let serverEnv: Record<string, string> = {};
let noisyStarts = 0;
const ladderLog: string[] = [];
const detail = (line: string) => {
  ladderLog.push(line);
  log(line);
};

/** Starts a server, runs `body`, always stops it. */
async function withServer<T>(
  kind: ServerKind,
  redis: BenchRedis | null,
  body: (s: ServerProcess) => Promise<T>,
  extra: { cpuProfileDir?: string; env?: Record<string, string>; nodeFlags?: string[] } = {},
): Promise<T> {
  if (quietWaitMs > 0) {
    const q = await waitForQuiet(quietWaitMs);
    if (!q.quiet) {
      noisyStarts++;
      log(`  (machine still busy after waiting ${Math.round(q.waitedMs / 1000)} s; measuring anyway)`);
    }
  }
  const server = await startServer(kind, {
    entries,
    ...(kind === 'redis' ? { redisUrl: redis!.url, redisPrefix: redis!.newPrefix() } : {}),
    ...extra,
    env: { ...serverEnv, ...extra.env },
  });
  try {
    return await body(server);
  } finally {
    await server.stop();
    const stderr = server.stderr();
    if (stderr.length > 0) log(`  [${kind} server stderr] ${stderr.slice(0, 5).join(' | ')}`);
  }
}

/**
 * The fan-out runs measure rooms below their caps. At the default cap (MAX_ROOM_MESSAGES, 2,000) a
 * room of the ladder fills within seconds, and from then every message also evicts the oldest and
 * announces `message-expired` to the room: twice the frames, a regime of its own, measured apart
 * (`atCap`). The baseline ignores these settings.
 */
const BELOW_ROOM_CAPS = { MAX_ROOM_MESSAGES: '1000000', MAX_ROOM_MESSAGE_BYTES: String(2 ** 40) };

function kinds(options: BenchOptions, redis: BenchRedis | null): Array<'memory' | 'redis'> {
  return redis ? ['memory', 'redis'] : ['memory'];
}

async function fanoutScenario(
  options: BenchOptions,
  redis: BenchRedis | null,
  gens: Generators,
  results: Results,
): Promise<ProfileSummary | null> {
  let profile: ProfileSummary | null = null;
  for (const [i, topology] of options.topologies.entries()) {
    const tag = `F${i}`;
    /** One server of `kind` under this topology's fan-out: its own env, its own line in the log. */
    const fanoutOn = (
      kind: ServerKind,
      how: {
        line: string;
        env: Record<string, string>;
        g?: Generators;
        settings?: FanoutSettings;
        ladder?: boolean;
        cpuProfileDir?: string;
      },
    ) =>
      withServer(
        kind,
        redis,
        (s) => {
          detail(how.line);
          return runFanout(s, how.g ?? gens, topology, how.settings ?? options.fanout, tag, detail, how.ladder ?? true);
        },
        { env: how.env, ...(how.cpuProfileDir ? { cpuProfileDir: how.cpuProfileDir } : {}) },
      );
    const run = (kind: ServerKind, g = gens) =>
      fanoutOn(kind, {
        line: `fan-out ${topology.rooms}x${topology.members} on ${kind} (${g.size} generators)`,
        env: BELOW_ROOM_CAPS,
        g,
      });
    const entry: Results['fanout'][number] = { topology, baseline: await run('baseline') };
    for (const kind of kinds(options, redis)) entry[kind] = await run(kind);
    results.fanout.push(entry);
    if (i === 0) {
      const maxMessages = options.quick ? 5 : 100;
      entry.atCap = { maxMessages };
      for (const kind of kinds(options, redis)) {
        entry.atCap[kind] = await fanoutOn(kind, {
          line: `fan-out ${topology.rooms}x${topology.members} at the room cap (MAX_ROOM_MESSAGES=${maxMessages}) on ${kind}`,
          env: { MAX_ROOM_MESSAGES: String(maxMessages) },
          ladder: false,
        });
      }
    }
    if (i === 0 && options.generatorCheck) {
      const more = Generators.start(options.generators + 1);
      try {
        const check: FanoutResult = await run('baseline', more);
        results.generatorCheck = {
          generators: options.generators,
          sustained: entry.baseline.sustained,
          plusOneSustained: check.sustained,
          cpuPerDeliveryUs: entry.baseline.fixedCpuPerDeliveryUs,
          plusOneCpuPerDeliveryUs: check.fixedCpuPerDeliveryUs,
        };
      } finally {
        await more.stop();
      }
    }
    if (i === 0 && options.profile) {
      const dir = mkdtempSync(join(tmpdir(), 'ghostchat-prof-'));
      for (const kind of kinds(options, redis)) {
        const kdir = join(dir, kind);
        await fanoutOn(kind, {
          line: `profiling GhostChat (${kind}) under the fixed load`,
          env: BELOW_ROOM_CAPS,
          settings: { ...options.fanout, fixedRuns: 1 },
          ladder: false,
          cpuProfileDir: kdir,
        });
        const summary = summariseProfile(kdir);
        profile ??= summary;
        log(`  profile ${summary.file}`);
        for (const m of summary.modules) log(`    ${m.selfPercent}%  ${m.name}`);
        for (const f of summary.functions) log(`    ${f.selfPercent}%  ${f.name}`);
        results.notes.push(
          `Profile (${kind}, fixed load): modules ${summary.modules
            .slice(0, 6)
            .map((m) => `${m.name} ${m.selfPercent}%`)
            .join(', ')}.`,
        );
      }
    }
  }
  return profile;
}

/**
 * The calm rooms alone, then the same load with one client flooding past its limit, on each store;
 * the second run against the first (issue 15).
 */
async function floodScenario(options: BenchOptions, redis: BenchRedis | null, gens: Generators, results: Results) {
  const s = options.flood;
  const env = floodEnv(s);
  const flooderGen = Generators.start(1);
  try {
    const settings = { ...s.topology, eventsPerSecond: s.eventsPerSecond, floodFactor: s.floodFactor };
    const flood: NonNullable<Results['flood']> = { settings };
    for (const kind of kinds(options, redis)) {
      const calm = await withServer(
        kind,
        redis,
        (server) => {
          detail(`flood scenario on ${kind}: ${s.topology.rooms}x${s.topology.members} calm rooms alone`);
          return runCalm(server, gens, s, detail);
        },
        { env },
      );
      const { flooded, flooder } = await withServer(
        kind,
        redis,
        (server) => {
          detail(
            `flood scenario on ${kind}: the same, with one client sending ${s.eventsPerSecond * s.floodFactor}/s (limit ${s.eventsPerSecond}/s)`,
          );
          return runFlooded(server, gens, flooderGen, s, detail);
        },
        { env },
      );
      flood[kind] = { calm, flooded, flooder };
    }
    results.flood = flood;
  } finally {
    await flooderGen.stop();
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) return 0;
  const started = performance.now();
  quietWaitMs = options.quietWaitMs;
  serverEnv = options.serverEnv;
  const has = (s: string) => options.scenarios.includes(s as never);
  let redis: BenchRedis | null = null;
  const notes: string[] = [];
  if (options.redis && options.scenarios.some((s) => s !== 'images')) {
    try {
      redis = await openBenchRedis(options.redisUrl);
    } catch (err) {
      if (!options.quick) throw err;
      notes.push(`Redis runs skipped: ${(err as Error).message}`);
    }
  }
  const results: Results = {
    date: new Date().toISOString(),
    quick: options.quick,
    durationSeconds: 0,
    machine: describeMachine(redis?.version ?? null),
    generators: options.generators,
    fanout: [],
    notes,
  };
  log(`GhostChat benchmark${options.quick ? ' (quick smoke run: tiny sizes, targets not judged)' : ''}`);
  log(`machine: ${machineLine(results.machine)}`);
  if (Object.keys(serverEnv).length > 0)
    log(`every server runs with ${JSON.stringify(serverEnv)} (nothing is written)`);
  entries = await prepareServers(options.dist, log);
  if (options.dist !== undefined) log(`GhostChat from ${entries.ghostchat}`);
  const gens = Generators.start(options.generators);
  try {
    if (has('fanout')) await fanoutScenario(options, redis, gens, results);

    if (has('connections')) {
      // "Several processes": idle clients cost the generators nothing once joined.
      const pool = Generators.start(Math.max(4, options.generators));
      try {
        const one = (kind: ServerKind) =>
          withServer(
            kind,
            redis,
            async (s) => {
              const r = await runConnections(s, pool, options.connections, options.quick ? 300 : 3000);
              log(
                `connections on ${kind}: ${r.connections} joined (${r.failed} failed), ${r.perConnectionKb.toFixed(1)} KB each, ${Math.round(r.joinsPerSec)} joins/s`,
              );
              return r;
              // A 16 MB young generation holds up to ~1.6 KB of join garbage per connection at 10k
              // connections, more than the difference being measured; 1 MB keeps RSS to live data.
            },
            { nodeFlags: ['--max-semi-space-size=1'] },
          );
        const c: NonNullable<Results['connections']> = { baseline: await one('baseline') };
        for (const kind of kinds(options, redis)) c[kind] = await one(kind);
        results.connections = c;
      } finally {
        await pool.stop();
      }
    }

    if (has('history')) {
      const { messages, seconds, connections } = options.history;
      // A client reads history a page at a time: the largest page it may ask for, of a fuller room.
      const page = Math.min(messages, HISTORY_PAGE_MAX_LIMIT);
      const one = (kind: ServerKind) =>
        withServer(
          kind,
          redis,
          async (s) => {
            if (kind !== 'baseline') await fillRoom(s, messages);
            const check = (await (await fetch(historyUrl(s, page))).json()) as { count: number };
            if (check.count !== page)
              throw new Error(`a history page on ${kind} holds ${check.count} messages, expected ${page}`);
            const r = await runHistory(s, messages, page, seconds, connections);
            log(
              `history on ${kind}: ${Math.round(r.requestsPerSec)} req/s, p99 ${r.latencyP99Ms} ms, server cpu ${(r.serverCpuShare * 100).toFixed(0)}%`,
            );
            return r;
          },
          { env: { BASELINE_HISTORY: String(page) } },
        );
      const h: NonNullable<Results['history']> = { baseline: await one('baseline') };
      for (const kind of kinds(options, redis)) h[kind] = await one(kind);
      results.history = h;
    }

    if (has('images')) {
      const upload = await imageUpload(options.images.sizeMb);
      const { uploads, sizeMb } = options.images;
      const baseline = await withServer('baseline', null, (s) => runImages(s, upload, uploads, sizeMb));
      log(`images on baseline: ${JSON.stringify(baseline)}`);
      // Room-less uploads have a budget of their own (a tenth of all image bytes by default), which
      // these would fill halfway: it is opened to the whole, so every upload is processed.
      const roomless = { ROOMLESS_UPLOAD_BYTES_TOTAL: String(1024 ** 3) };
      results.images = await withServer(
        'memory',
        null,
        async (s) => {
          if (!(await uploadRouteExists(s)))
            return {
              available: false as const,
              note: 'not yet available: POST /api/upload-image does not exist in this build',
            };
          const ghost = await runImages(s, upload, uploads, sizeMb);
          return {
            ...ghost,
            baseline: { peakRssGrowthMb: baseline.peakRssGrowthMb, throughputMbPerSec: baseline.throughputMbPerSec },
          };
        },
        { env: roomless },
      );
      log(`images: ${JSON.stringify(results.images)}`);
    }

    if (has('flood')) await floodScenario(options, redis, gens, results);

    if (has('expiry')) {
      // One store after the other: a send phase next to the other store's expiries would be read as lag.
      const one = async (kind: 'memory' | 'redis') => {
        const pool = Generators.start(1);
        try {
          return await withServer(kind, redis, (s) => runExpiry(s, pool, options.expiry));
        } finally {
          await pool.stop();
        }
      };
      const memory = await one('memory');
      const onRedis = redis ? await one('redis') : undefined;
      results.expiry = { memory, ...(onRedis ? { redis: onRedis } : {}), concurrent: false };
      for (const [kind, e] of Object.entries({ memory, redis: onRedis })) {
        if (e)
          log(
            `expiry on ${kind}: ${e.stored}/${e.sent} stored in ${e.sendSeconds.toFixed(1)} s (probe ${Math.round(e.probeRatePerSec)}/s, first deadline after ${e.marginSeconds.toFixed(0)} s, all live then: ${e.liveAtFirstDeadline}), lag ${JSON.stringify(e.lag)}, missing ${e.missing}, doubled ${e.doubled}, errors ${e.errors}`,
          );
      }
    }

    if (has('workers')) {
      if (!redis) {
        results.notes.push('The workers scenario needs Redis (workers share rooms through it): skipped.');
      } else {
        // Each generator process holds under ~9,000 connections: far from its own open-files limit.
        const pool = Generators.start(Math.max(4, Math.ceil(options.workers.connections / 9000)));
        try {
          const runs: WorkersRun[] = [];
          for (const workers of [1, 2]) {
            const env = { WORKERS: String(workers) };
            const connections = await withServer(
              'redis',
              redis,
              (s) => holdIdleConnections(s, workers, pool, options.workers, detail),
              { env, nodeFlags: ['--max-semi-space-size=1'] },
            );
            // A process just pushed to its open-files limit is still shedding thousands of sockets (and
            // their leaves): fan-out is measured on a fresh server, as the fan-out scenario does.
            const fanout = await withServer(
              'redis',
              redis,
              (s) => workersFanout(s, workers, gens, options.workers, detail),
              { env: { ...env, ...BELOW_ROOM_CAPS } },
            );
            runs.push({ workers, connections, fanout });
          }
          results.workers = runs;
        } catch (error) {
          // Holding tens of thousands of sockets can fail on a machine; the rest of the run still stands.
          const message = error instanceof Error ? error.message : String(error);
          results.notes.push(`The workers scenario did not finish: ${message}.`);
          log(`workers scenario failed: ${message}`);
        } finally {
          await pool.stop();
        }
      }
    }
  } finally {
    await gens.stop();
    await redis?.close();
  }
  results.durationSeconds = (performance.now() - started) / 1000;
  if (noisyStarts > 0) {
    results.notes.push(
      `The machine is shared: ${noisyStarts} server starts found it busy (> 25% CPU) after waiting ${quietWaitMs / 1000} s. ` +
        'Each fan-out step records the CPU used by everything else ("others") next to the server and generators.',
    );
  }
  const rs = rows(results);
  log('');
  log(table(rs));
  for (const n of results.notes) log(`note: ${n}`);
  if (options.write) {
    const written = writeResults(results, rs, ladderLog.join('\n'));
    log(`\nwrote ${written.json} and ${written.markdown}`);
  }
  log(`done in ${results.durationSeconds.toFixed(0)} s`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
