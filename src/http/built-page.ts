import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { isMissingFile } from '../media/missing-file.js';

/** One file of the built page, held in memory (the whole page is a few tens of KB). */
export interface PageFile {
  body: Buffer;
  /** The same bytes gzipped, for clients that accept it. */
  gzipped: Buffer;
  contentType: string;
  etag: string;
}

/** The page as `npm run build:web` left it in dist/web: index.html, SHA256SUMS and hashed assets. */
export interface BuiltPage {
  html: PageFile;
  sums: PageFile;
  /** By file name (`app-3F2K7Q.js`); only these names are ever served from /assets/. */
  assets: Map<string, PageFile>;
}

/** dist/web at the package root: two levels above both src/http/ and dist/http/. */
export const builtPageDir = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function pageFile(body: Buffer, contentType: string): PageFile {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, gzipped: gzipSync(body, { level: 9 }), contentType, etag };
}

/** Reads the built page; null when it has not been built (the server then says so at `/`). */
export async function loadBuiltPage(dir: string): Promise<BuiltPage | null> {
  try {
    const html = pageFile(await readFile(path.join(dir, 'index.html')), TYPES['.html']!);
    const sums = pageFile(await readFile(path.join(dir, 'SHA256SUMS')), 'text/plain; charset=utf-8');
    const assets = new Map<string, PageFile>();
    for (const name of await readdir(path.join(dir, 'assets'))) {
      const type = TYPES[path.extname(name)];
      if (type) assets.set(name, pageFile(await readFile(path.join(dir, 'assets', name)), type));
    }
    return { html, sums, assets };
  } catch (err) {
    if (isMissingFile(err)) return null;
    throw err;
  }
}
