import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { transform } from 'esbuild';
import { repoRoot } from '../../test/helpers/node-process.js';

/** What the benchmark starts: both servers as compiled JavaScript under plain node, as production runs. */
export interface ServerEntries {
  ghostchat: string;
  baseline: string;
}

/**
 * Builds GhostChat into dist/ (`npm run build`, a few seconds) unless `dist` names a tree built
 * elsewhere (an older commit, for an A/B run), and compiles the baseline relay to JavaScript the
 * same way (types stripped, nothing bundled), so neither server pays for a loader the other does not.
 */
export async function prepareServers(dist: string | undefined, log: (line: string) => void): Promise<ServerEntries> {
  if (dist === undefined) {
    log('building GhostChat (npm run build)');
    const tsc = createRequire(join(repoRoot, 'package.json')).resolve('typescript/bin/tsc');
    for (const args of [
      [tsc, '-p', 'tsconfig.build.json'],
      ['scripts/build-web.mjs', '--quiet'],
    ]) {
      const build = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`the build failed:\n${build.stdout}${build.stderr}`);
    }
  }
  const tree = dist === undefined ? join(repoRoot, 'dist') : isAbsolute(dist) ? dist : resolve(dist);
  const ghostchat = join(tree, 'main.js');
  if (!existsSync(ghostchat)) throw new Error(`${ghostchat} does not exist: build that tree first (npm run build)`);
  const outDir = join(repoRoot, 'bench', 'dist');
  mkdirSync(outDir, { recursive: true });
  const baseline = join(outDir, 'baseline-server.js');
  const source = readFileSync(join(repoRoot, 'bench', 'baseline-server.ts'), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', platform: 'node', target: 'node20' });
  writeFileSync(baseline, code);
  return { ghostchat, baseline };
}
