import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Builds the chat page once per run (dist/web), as `npm run build` does, so the page tests and the
 * browser tests serve the page of the sources under test, never a stale one.
 */
export default async function setup() {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  await promisify(execFile)(process.execPath, ['scripts/build-web.mjs', '--quiet'], { cwd: root });
}
