import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterThisTest } from './cleanup.js';
import { eventually } from './client.js';
import { repoRoot } from './node-process.js';
import { freePort } from './redis-server.js';

export function nginxBinary(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim().split('\n')[0]! : null;
}

/**
 * Debian's nginx running the repository's own proxy configuration (deploy/nginx/ghostchat.conf)
 * on a free loopback port, its upstream servers replaced by `upstreams` (host:port); stopped when
 * the test ends. Everything it writes stays in a directory of its own.
 */
export async function startNginx(upstreams: string[]): Promise<{ url: string }> {
  const binary = nginxBinary();
  if (!binary) throw new Error('nginx is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ghostchat-nginx-'));
  const port = await freePort();
  let site = readFileSync(join(repoRoot, 'deploy/nginx/ghostchat.conf'), 'utf8');
  const servers = [...site.matchAll(/^(\s*)server ghostchat-\d+:3001(.*);$/gm)];
  if (servers.length !== upstreams.length) throw new Error(`the config names ${servers.length} upstreams`);
  servers.forEach((m, i) => (site = site.replace(m[0], `${m[1]}server ${upstreams[i]}${m[2]};`)));
  site = site.replace(/^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${port};`);
  writeFileSync(join(dir, 'ghostchat.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 256; }',
      `http { access_log off; ${temp.join(' ')} include ${dir}/ghostchat.conf; }`,
    ].join('\n'),
  );
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: 'ignore',
  });
  afterThisTest(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/livez`).catch(() => null))?.status === 200, 10_000);
  return { url };
}
