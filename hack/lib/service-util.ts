/**
 * Helpers shared by the service launchers (hack/lib/services.ts, hack/lib/registry-service.ts):
 * locating system binaries, temporary folders and readiness probes.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A started service. */
export interface RunningService {
  stop(): Promise<void>;
}

/** The path of a system binary; fails with the fix (`npm run setup`) when it is missing. */
export function requireBinary(name: string): string {
  for (const dir of [
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} is not installed: run \`npm run setup\` (apt-get installs it)`);
}

/**
 * GET `url`; true on any answer below 500. https URLs are verified against `tls.ca` (and present
 * `tls.cert`/`tls.key` when given), so a probe also proves the server's certificate is the right one.
 */
export function httpOk(
  url: string,
  tls: { ca?: string; cert?: string; key?: string } = {},
): Promise<boolean> {
  return new Promise((resolve) => {
    const req = url.startsWith('https:')
      ? httpsRequest(url, { method: 'GET', timeout: 1000, ...tls })
      : request(url, { method: 'GET', timeout: 1000 });
    req.on('response', (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('error', () => {
      resolve(false);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** Creates a fresh temporary directory under the OS temp dir (or `base`). */
export function tempDir(prefix: string, base?: string): string {
  const root = base ?? tmpdir();
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, `${prefix}-`));
}
