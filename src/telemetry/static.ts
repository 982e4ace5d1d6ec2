/** Serves the dashboard's static files (index.html, app.js, style.css, …) without directory traversal. */
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));

/**
 * The file a URL path names inside `root`, or null (traversal, hidden files, unknown type, NUL).
 * `/` is index.html.
 */
export function resolveStatic(root: string, urlPath: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0') || p.includes('\\')) return null;
  if (p === '/' || p === '') p = '/index.html';
  const parts = p.split('/').filter((s) => s.length > 0);
  if (parts.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return null;
  const full = path.resolve(root, ...parts);
  const base = path.resolve(root) + path.sep;
  if (!full.startsWith(base)) return null;
  if (TYPES[path.extname(full).toLowerCase()] === undefined) return null;
  return full;
}

/** Writes the file or a 404; true when served. */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse, head: boolean): Promise<boolean> {
  const file = resolveStatic(root, urlPath);
  if (file === null) return false;
  try {
    const st = await stat(file);
    if (!st.isFile()) return false;
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(head ? undefined : body);
    return true;
  } catch {
    return false;
  }
}
