import { request } from 'node:http';
import { peakRssBytes, rssBytes } from '../lib/proc-stats.js';
import type { ServerProcess } from '../lib/servers.js';

export const UPLOAD_PATH = '/api/upload-image';

export type ImagesResult =
  | { available: false; note: string }
  | {
      available: true;
      uploads: number;
      sizeMb: number;
      ok: number;
      statuses: Record<string, number>;
      seconds: number;
      throughputMbPerSec: number;
      rssBeforeMb: number;
      peakRssGrowthMb: number;
      /** The bare receiver's figures for the same uploads in the same run. */
      baseline?: { peakRssGrowthMb: number; throughputMbPerSec: number };
    };

interface Reply {
  status: number;
  body: string;
}

function post(url: string, body: Buffer, contentType: string, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c.length < 2000 ? c : ''));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('upload timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether the server has the upload route yet: anything but 404 on an empty multipart POST. */
export async function uploadRouteExists(server: ServerProcess): Promise<boolean> {
  const base = server.url.replace('ws://', 'http://');
  const reply = await post(base + UPLOAD_PATH, Buffer.from('--x--\r\n'), 'multipart/form-data; boundary=x', 5000).catch(
    () => null,
  );
  return reply !== null && reply.status !== 404;
}

/** A multipart body with one file field; the image is generated noise, so it does not compress. */
export function multipart(
  fields: Record<string, string>,
  fileField: string,
  filename: string,
  mime: string,
  file: Buffer,
) {
  const boundary = `----ghostchat-bench-${Date.now().toString(16)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="${fileField}"; filename="${filename}"\r\ncontent-type: ${mime}\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** `count` concurrent uploads of one body; reads the server's peak RSS (VmHWM) growth. */
export async function runImages(
  server: ServerProcess,
  upload: { body: Buffer; contentType: string },
  count: number,
  sizeMb: number,
): Promise<Extract<ImagesResult, { available: true }>> {
  const base = server.url.replace('ws://', 'http://');
  const before = rssBytes(server.pid);
  const started = performance.now();
  const replies = await Promise.all(
    Array.from({ length: count }, () =>
      post(base + UPLOAD_PATH, upload.body, upload.contentType, 120_000).catch((e: Error) => ({
        status: 0,
        body: e.message,
      })),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const peak = peakRssBytes(server.pid);
  const statuses: Record<string, number> = {};
  for (const r of replies) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const ok = replies.filter((r) => r.status >= 200 && r.status < 300).length;
  return {
    available: true,
    uploads: count,
    sizeMb,
    ok,
    statuses,
    seconds,
    throughputMbPerSec: (count * upload.body.length) / 2 ** 20 / seconds,
    rssBeforeMb: before / 2 ** 20,
    peakRssGrowthMb: (peak - before) / 2 ** 20,
  };
}
