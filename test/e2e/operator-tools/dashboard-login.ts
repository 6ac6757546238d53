// Dashboard sign-in, server side, on the operator-tools federation: the one-time URL local-up
// leaves in <state>/dashboard, `flotilla dashboard`, and examples/dashboard-login.sh (code →
// session → the user's own RBAC, one use, logout, CSP).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OperatorToolsEnv } from './harness.js';

const URL_RE = /^(https:\/\/127\.0\.0\.1:\d+)\/dashboard\/#code=[A-Za-z0-9_-]{43}$/;

/** Registers the dashboard sign-in tests. */
export function dashboardLoginTests(env: () => OperatorToolsEnv): void {
  describe('dashboard login (server side)', () => {
    /** The federation's URL from the set-up's kubeconfig. */
    async function federationServer(): Promise<string> {
      const r = await env().kubectl([
        'config',
        'view',
        '-o',
        'jsonpath={.clusters[?(@.name=="federation")].cluster.server}',
      ]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    }

    it('local-up writes a one-time URL to <state>/dashboard, readable by its owner only', async () => {
      const file = join(env().state, 'dashboard');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const m = URL_RE.exec(readFileSync(file, 'utf8').trim());
      expect(m?.[1]).toBe(await federationServer());
    });

    it('flotilla dashboard prints a URL for the context user; bad --ttl is a usage error', async () => {
      const r = await env().flotilla([
        '--kubeconfig',
        env().kubeconfig,
        '--context',
        'federation-alice',
        'dashboard',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(URL_RE.exec(r.stdout.trim())?.[1]).toBe(await federationServer());
      const bad = await env().flotilla([
        '--kubeconfig',
        env().kubeconfig,
        'dashboard',
        '--ttl',
        '2h',
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--ttl');
    });

    it('examples/dashboard-login.sh signs bob in with his own RBAC, once', async () => {
      const r = await env().example('dashboard-login.sh');
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toContain('login: session for bob until');
      expect(r.stdout).toContain('session lists promotionrequests: HTTP 200');
      expect(r.stdout).toContain('session lists secrets: HTTP 403');
      expect(r.stdout).toContain('the same code again: HTTP 401');
      expect(r.stdout).toContain('after logout: HTTP 401');
      expect(r.stdout).toContain("frame-ancestors 'none'");
    });
  });
}
