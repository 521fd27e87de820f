// ad-hoc: history on redis under --cpu-prof
import { prepareServers } from '../bench/lib/build.js';
import { startServer } from '../bench/lib/servers.js';
import { fillRoom, runHistory } from '../bench/scenarios/history.js';
const dir = process.argv[2]!;
const dist = process.argv[3];
const entries = await prepareServers(dist ?? '/work/wt-perf/dist', () => {});
const s = await startServer('redis', { entries, redisUrl: 'redis://127.0.0.1:6391', redisPrefix: `hp${Date.now()}:`, cpuProfileDir: dir });
await fillRoom(s, 500);
const r = await runHistory(s, 500, 200, 5, 10);
console.log(JSON.stringify(r));
await s.stop();
