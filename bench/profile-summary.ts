/** `npx tsx bench/profile-summary.ts <dir-with-.cpuprofile>`: self time by module and by function. */
import { summariseProfile } from './lib/profile.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: tsx bench/profile-summary.ts <directory holding .cpuprofile files>\n');
  process.exit(2);
}
const summary = summariseProfile(dir, Number(process.argv[3] ?? 25));
process.stdout.write(`${summary.file}\nby module:\n`);
for (const m of summary.modules) process.stdout.write(`  ${m.selfPercent}%  ${m.name}\n`);
process.stdout.write('by function:\n');
for (const f of summary.functions) process.stdout.write(`  ${f.selfPercent}%  ${f.name}\n`);
