// `npm start`: compiles src/ into dist/ only when dist/ is missing or older than its sources, and
// builds the chat page (web/ into dist/web/) likewise, then runs dist/main.js in this same process
// (no child to forward signals to: a signal to it reaches the server). Node built-ins only: after
// `npm ci --omit=dev` on a built tree there is no TypeScript or esbuild, and none is needed. A tree
// without src/ (the Docker image) is taken as built, and one without web/ as having its page built.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'main.js');
const sources = ['src', 'tsconfig.json', 'tsconfig.build.json'].map((name) => join(root, name));
const pageEntry = join(root, 'dist', 'web', 'index.html');
const pageSources = ['web', 'src/client', 'src/protocol', 'scripts/build-web.mjs'].map((name) => join(root, name));

/** The latest modification time of a file, or of any file under a directory. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), 0);
}

/**
 * Why `output` must be rebuilt, or null when it is current. A tree without `sourceDir` (the Docker
 * image has neither src/ nor web/) is taken as built.
 */
function staleReason(sourceDir, output, inputs) {
  if (!existsSync(join(root, sourceDir))) return null;
  const built = `${relative(root, dirname(output))}/`;
  if (!existsSync(output)) return `${built} is missing`;
  const builtAt = statSync(output).mtimeMs;
  const changed = inputs.filter((path) => existsSync(path) && newest(path) > builtAt);
  return changed.length > 0 ? `${built} is older than ${sourceDir}/` : null;
}

/** The path of an installed module, or null (a production install has no dev dependencies). */
function installed(name) {
  try {
    return createRequire(join(root, 'package.json')).resolve(name);
  } catch {
    return null;
  }
}

function typescriptCompiler() {
  return installed('typescript/bin/tsc');
}

const reason = staleReason('src', entry, sources);
if (reason) {
  const tsc = typescriptCompiler();
  if (!tsc) {
    process.stderr.write(
      `GhostChat: ${reason} and TypeScript is not installed (a production install).\n` +
        'Build where the dev dependencies are installed (`npm ci && npm run build`), then start again.\n',
    );
    process.exit(1);
  }
  process.stderr.write(`GhostChat: ${reason}; building (npm run build)...\n`);
  const build = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    process.stderr.write('GhostChat: the build failed; see the errors above.\n');
    process.exit(1);
  }
}

const pageReason = staleReason('web', pageEntry, pageSources);
if (pageReason) {
  if (!installed('esbuild')) {
    process.stderr.write(
      `GhostChat: ${pageReason} and esbuild is not installed (a production install).\n` +
        'Build where the dev dependencies are installed (`npm ci && npm run build`), then start again.\n',
    );
    process.exit(1);
  }
  process.stderr.write(`GhostChat: ${pageReason}; building the page (npm run build:web)...\n`);
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-web.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('GhostChat: the page build failed; see the errors above.\n');
    process.exit(1);
  }
}

await import(pathToFileURL(entry).href);
