// Serving the built dashboard page (dist/dashboard) over plain HTTP: GET/HEAD only, no path escapes,
// a helpful page when the bundle has not been built.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The default folder of the built page: `<package root>/dist/dashboard`. The package root is found by
 * walking up to package.json, so this works from `src/` (tsx, vitest) and from `dist/src/` alike.
 */
export function defaultStaticDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'dashboard');
}

const NOT_BUILT = `<!doctype html><title>gradstream dashboard</title>
<p>The dashboard page has not been built. Run <code>npm run build:dashboard</code> and reload.</p>`;

/** `html` with `head` added at the end of its `<head>` (or at the end, for a page without one). */
function injectHead(html: string, head: string): string {
  const at = html.search(/<\/head>/i);
  return at < 0 ? `${html}${head}` : `${html.slice(0, at)}${head}${html.slice(at)}`;
}

/**
 * Answers `req` with a file of `root` (`/` is `index.html`). `pageHead`, for the page only, is added
 * to its `<head>`; such a page is never stored by caches (it carries a per-process token).
 */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  pageHead?: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const relative = normalize(pathname === '/' ? '/index.html' : pathname);
  const file = resolve(root, `.${relative}`);
  if (!file.startsWith(resolve(root) + sep)) {
    res.writeHead(404).end();
    return;
  }
  try {
    let body = await readFile(file);
    const inject = pageHead !== undefined && relative === '/index.html';
    if (inject) body = Buffer.from(injectHead(body.toString('utf8'), pageHead));
    // Revalidate every time: a rebuilt bundle must show up on reload.
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': inject ? 'no-store' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    if (relative === '/index.html')
      res.writeHead(503, { 'content-type': CONTENT_TYPES['.html'] }).end(NOT_BUILT);
    else res.writeHead(404).end();
  }
}
