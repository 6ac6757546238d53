/** Serving the dashboard's browser files: content types, security headers, no path traversal. */
import { realpath, readFile, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import type { Context } from 'koa';
import { BadRequestError, NotFoundError } from '../../machinery/errors/index.js';

/** The Content-Security-Policy of every dashboard file: same-origin only, no inline code. */
export const DASHBOARD_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** The Content-Type of a file name (application/octet-stream when unknown). */
export function contentTypeOf(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file-system path of a request path below the web root (`''` is index.html), or undefined
 * when the path could leave it or names a hidden file: `..` and `.`-segments, backslashes, NUL,
 * a bad %-encoding. Symbolic links are checked again when the file is opened.
 */
export function webFilePath(root: string, rel: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return undefined;
  }
  if (decoded === '' || decoded.endsWith('/')) decoded += 'index.html';
  if (decoded.includes('\\') || decoded.includes('\0') || decoded.startsWith('/')) return undefined;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.'))) return undefined;
  return join(root, ...segments);
}

/**
 * Answers one GET/HEAD of a dashboard file with its content type and the security headers.
 * @throws BadRequestError for a path that tries to leave the web root.
 * @throws NotFoundError when there is no such regular file under the root.
 */
export async function serveWebFile(ctx: Context, root: string, rel: string): Promise<void> {
  const file = webFilePath(root, rel);
  if (file === undefined) throw new BadRequestError(`invalid dashboard path "${rel}"`);
  const notFound = new NotFoundError(`dashboard file "${rel}" not found`);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(file), realpath(root)]);
  } catch {
    throw notFound;
  }
  // a symbolic link inside the folder must not lead out of it
  if (!real.startsWith(realRoot + sep) || !(await stat(real)).isFile()) throw notFound;
  const body = await readFile(real);
  ctx.status = 200;
  ctx.set('Content-Type', contentTypeOf(real));
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', DASHBOARD_CSP);
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.body = body;
}
