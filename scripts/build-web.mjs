// Builds the chat page (web/) into dist/web/: hashed, minified assets and an index.html that
// names them with Subresource Integrity. Prints each file's gzipped size and SHA-256, and writes
// those hashes to dist/web/SHA256SUMS (served at /SHA256SUMS) so anyone can compare what a
// server sends with a build of the source (docs/E2E-ENCRYPTION.md, "Checking the page").
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = path.join(root, 'dist', 'web');
const staging = `${outDir}.${process.pid}.tmp`;
const quiet = process.argv.includes('--quiet');

const digest = (algorithm, bytes, encoding) => createHash(algorithm).update(bytes).digest(encoding);

async function buildWeb() {
  await rm(staging, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [
      { in: 'web/main.ts', out: 'app' },
      { in: 'web/styles.css', out: 'app' },
    ],
    outdir: path.join(staging, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'eof',
    charset: 'utf8',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file));
  const js = outputs.find((file) => file.endsWith('.js'));
  const css = outputs.find((file) => file.endsWith('.css'));
  if (!js || !css) throw new Error('esbuild produced no JS or no CSS');

  const assets = await Promise.all(
    [js, css].map(async (file) => ({ name: `assets/${path.basename(file)}`, bytes: await readFile(file) })),
  );
  const [jsAsset, cssAsset] = assets;
  const sri = (bytes) => `sha384-${digest('sha384', bytes, 'base64')}`;
  const template = await readFile(path.join(root, 'web', 'index.html'), 'utf8');
  const html = template
    .replace('%APP_JS%', `/${jsAsset.name}`)
    .replace('%APP_JS_SRI%', sri(jsAsset.bytes))
    .replace('%APP_CSS%', `/${cssAsset.name}`)
    .replace('%APP_CSS_SRI%', sri(cssAsset.bytes));
  if (html.includes('%APP_')) throw new Error('web/index.html has a placeholder the build does not fill');
  const page = [{ name: 'index.html', bytes: Buffer.from(html) }, ...assets];
  await writeFile(path.join(staging, 'index.html'), html);
  const sums = page.map((file) => `${digest('sha256', file.bytes, 'hex')}  ${file.name}\n`).join('');
  await writeFile(path.join(staging, 'SHA256SUMS'), sums);

  // Swap the whole directory so a running build never leaves a half-written page behind.
  await mkdir(path.dirname(outDir), { recursive: true });
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);

  if (!quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    const rows = page.map((file) => {
      const gz = gzipSync(file.bytes, { level: 9 }).length;
      return { file: file.name, bytes: file.bytes.length, gz };
    });
    for (const row of rows) {
      process.stdout.write(`  dist/web/${row.file.padEnd(28)} ${kb(row.bytes).padStart(9)}  gzip ${kb(row.gz)}\n`);
    }
    const gzTotal = rows.filter((r) => r.file.startsWith('assets/')).reduce((sum, r) => sum + r.gz, 0);
    process.stdout.write(`  page JS + CSS, gzipped: ${kb(gzTotal)}\n  SHA-256 (dist/web/SHA256SUMS):\n`);
    process.stdout.write(`${sums.trimEnd().replace(/^/gm, '    ')}\n`);
  }
}

buildWeb().catch(async (error) => {
  await rm(staging, { recursive: true, force: true });
  process.stderr.write(`build:web failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
