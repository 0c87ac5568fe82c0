/**
 * Static assets (CSS, small progressive-enhancement scripts) are read once at start-up and
 * served from memory with a content hash in the URL, so they can be cached for a year.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

export interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

const assets = new Map<string, Asset>();
for (const name of readdirSync(dir)) {
  const body = readFileSync(join(dir, name));
  assets.set(name, {
    body,
    type: TYPES[extname(name)] ?? 'application/octet-stream',
    hash: createHash('sha256').update(body).digest('hex').slice(0, 12),
  });
}

export function getAsset(name: string): Asset | undefined {
  return assets.get(name);
}

/** `/assets/site.css?v=<hash>`: the hash changes whenever the file does. */
export function assetUrl(name: string): string {
  const a = assets.get(name);
  return a ? `/assets/${name}?v=${a.hash}` : `/assets/${name}`;
}
