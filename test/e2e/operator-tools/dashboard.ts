// The web dashboard in a real browser: Debian's headless Chromium driven by puppeteer-core against
// the operator-tools federation. Logs in with one-time URLs from `flotilla dashboard` (admin,
// alice, bob), watches a divided Deployment's replicas appear per cluster without a reload, and
// decides promotion requests: alice (no approver role) is refused, bob approves and the request
// reaches Succeeded. Screenshots of every page go to test/artifacts/dashboard/.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciClient, pushRandomImage } from '../../../registry/index.js';
import {
  dividedDeployment,
  eventually,
  federationServer,
  launchChromium,
  stateFile,
} from './dashboard-browser.js';
import type { OperatorToolsEnv } from './harness.js';

// Browser globals, as far as the functions run in the page use them: the project's lib has no DOM,
// and these declarations stay local to this module.
interface El {
  id: string;
  textContent: string | null;
  outerHTML: string;
  disabled?: boolean;
  labels?: { length: number } | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
}
declare const document: {
  activeElement: El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El>;
};
declare const window: { scrollTo(x: number, y: number): void };
declare const sessionStorage: { getItem(key: string): string | null };
declare function getComputedStyle(el: El): { outlineStyle: string };

/** The text of the first element matching `selector` ('' when none). */
function textOf(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => document.querySelector(sel)?.textContent ?? '', selector);
}

/** An attribute of the first element matching `selector` (null when none). */
function attrOf(page: Page, selector: string, name: string): Promise<string | null> {
  return page.evaluate(
    (sel, n) => document.querySelector(sel)?.getAttribute(n) ?? null,
    selector,
    name,
  );
}

/** Registers the dashboard's browser tests. */
export function dashboardTests(env: () => OperatorToolsEnv): void {
  describe('web dashboard in a real browser', () => {
    let browser: Browser | undefined;
    let profile = '';
    let artifacts = '';
    const cspViolations: string[] = [];
    const pageErrors: string[] = [];
    /** The promotion request alice's push created (set by the alice test). */
    let request = '';
    let digest = '';
    const deployment = `dash-web-${randomBytes(3).toString('hex')}`;

    beforeAll(async () => {
      artifacts = join(env().root, 'test', 'artifacts', 'dashboard');
      mkdirSync(artifacts, { recursive: true });
      profile = mkdtempSync(join(tmpdir(), 'flotilla-dashboard-chromium-'));
      browser = await launchChromium(env().kubeconfig, profile);
    });

    afterAll(async () => {
      await browser?.close();
      await env().kubectl([
        '--context',
        'federation',
        'delete',
        'deployment,propagationpolicy',
        deployment,
        '--ignore-not-found',
      ]);
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    /**
     * `flotilla dashboard` for a context of the set-up's kubeconfig (the CLI reads
     * $FLOTILLA_KUBECONFIG or ~/.flotilla/config, not $KUBECONFIG: name the file).
     */
    function dashboardCommand(context: string | undefined) {
      return env().flotilla([
        '--kubeconfig',
        env().kubeconfig,
        ...(context ? ['--context', context] : []),
        'dashboard',
      ]);
    }

    /** A fresh browser session (own sessionStorage) logged in through a one-time URL. */
    async function loginAs(context: string | undefined, user: string): Promise<Page> {
      const r = await dashboardCommand(context);
      expect(r.code, r.stderr).toBe(0);
      const url = r.stdout.trim().split('\n').at(-1) ?? '';
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/dashboard\/#code=\S+$/);
      if (!browser) throw new Error('no browser');
      const page = await (await browser.createBrowserContext()).newPage();
      await page.setViewport({ width: 1280, height: 800 });
      page.on('console', (m) => {
        if (m.text().includes('Content Security Policy')) cspViolations.push(m.text());
      });
      page.on('pageerror', (e) => {
        pageErrors.push(e instanceof Error ? e.message : String(e));
      });
      await page.goto(url);
      await page.waitForFunction(
        (u) => document.querySelector('#whoami strong')?.textContent === u,
        { timeout: 30_000 },
        user,
      );
      // the one-time code left the address bar (and so the history)
      expect(page.url()).not.toContain('code=');
      return page;
    }

    /** Follows a nav link the way a user does, and waits for the page to render. */
    async function open(page: Page, id: string): Promise<void> {
      await page.click(`nav a[href="#/${id}"]`);
      await page.waitForSelector(`#content[data-page="${id}"]`);
    }

    async function shot(page: Page, name: string): Promise<void> {
      await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    }

    let admin: Page | undefined;

    it('logs the admin in with a one-time URL and shows both clusters Ready', async () => {
      const page = await loginAs(undefined, 'admin');
      admin = page;
      await page.waitForFunction(
        () =>
          ['member1', 'member2'].every(
            (m) => document.querySelector(`[data-cluster-health="${m}"]`)?.textContent === 'Ready',
          ),
        { timeout: 60_000 },
      );
      await shot(page, 'clusters');
      // the one-time code works once
      if (!browser) throw new Error('no browser');
      const again = await (await browser.createBrowserContext()).newPage();
      const r = await dashboardCommand(undefined);
      const url = r.stdout.trim();
      await again.goto(url);
      await again.waitForSelector('#whoami');
      const reused = await (await browser.createBrowserContext()).newPage();
      await reused.goto(url);
      await reused.waitForSelector('#login');
      expect(await textOf(reused, '#notice')).toContain('refused');
      await shot(reused, 'login');
      await again.close();
      await reused.close();
    });

    it("shows a divided Deployment's replicas per cluster as they are scheduled, without a reload", async () => {
      const page = admin;
      if (!page) throw new Error('admin did not log in');
      await open(page, 'workloads');
      await page.evaluate(() => {
        (window as unknown as { marker: string }).marker = 'same page';
      });
      const image = readFileSync(join(env().state, 'image'), 'utf8').trim();
      const manifest = dividedDeployment(deployment, image);
      const applied = await env().kubectl(['--context', 'federation', 'apply', '-f', '-'], {
        input: manifest,
      });
      expect(applied.code, applied.stderr).toBe(0);
      const key = `default/${deployment}`;
      await page.waitForFunction(
        (k) => {
          const legend = document.querySelector(`[data-distribution="${k}"]`);
          const text = (c: string) =>
            legend?.querySelector(`li[data-cluster="${c}"]`)?.textContent ?? '';
          return (
            text('member1').startsWith('member1: 3') && text('member2').startsWith('member2: 1')
          );
        },
        { timeout: 90_000 },
        key,
      );
      // the bar has its text alternative
      const label = await attrOf(page, `[data-distribution="${key}"] svg`, 'aria-label');
      expect(label).toBe(`Replicas of ${key} per cluster: member1: 3, member2: 1`);
      // then the members report their ready replicas, still on the same page
      await page.waitForFunction(
        (k) => {
          const legend = document.querySelector(`[data-distribution="${k}"]`);
          const text = (c: string) =>
            legend?.querySelector(`li[data-cluster="${c}"]`)?.textContent ?? '';
          return (
            text('member1') === 'member1: 3 (3 ready)' && text('member2') === 'member2: 1 (1 ready)'
          );
        },
        { timeout: 120_000 },
        key,
      );
      expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe(
        'same page',
      );
      await shot(page, 'workloads');
      for (const id of ['bindings', 'registries', 'dns']) {
        await open(page, id);
        await page.waitForFunction(() => !document.querySelector('#content p[role=status]'), {
          timeout: 30_000,
        });
        await shot(page, id);
      }
      expect(await textOf(page, '#content')).toContain('member1.flotilla.local');
    });

    it('refuses alice the approval of the promotion request her push created', async () => {
      const state = env().state;
      const registries = stateFile(state, 'registries');
      const users = stateFile(state, 'registry-users');
      const dev = registries.get('dev');
      const caFile = registries.get('ca-file');
      if (!dev || !caFile) throw new Error('no dev registry in <state>/registries');
      const oci = new OciClient({
        url: `https://${dev}`,
        username: 'alice',
        password: users.get('alice') ?? '',
        ca: readFileSync(caFile, 'utf8'),
      });
      digest = (
        await pushRandomImage(oci, 'dashboard/app', { layers: 2, layerBytes: 64 * 1024, tag: 'v1' })
      ).digest;
      request = await eventually(
        async () => {
          const r = await env().kubectl([
            '--context',
            'federation',
            'get',
            'promotionrequests',
            '-o',
            'json',
          ]);
          const list = JSON.parse(r.stdout || '{"items":[]}') as {
            items: { metadata: { name: string }; spec: { image: { digest: string } } }[];
          };
          return list.items.find((p) => p.spec.image.digest === digest)?.metadata.name;
        },
        30_000,
        `a PromotionRequest for ${digest}`,
      );
      const page = await loginAs('federation-alice', 'alice');
      await open(page, 'promotions');
      await page.waitForSelector(`#approve-${request}`, { timeout: 30_000 });
      expect(await attrOf(page, `#approve-${request}`, 'disabled')).toBe('');
      const hint = await textOf(page, '#approve-hint');
      expect(hint).toContain('alice may not approve or reject promotion requests');
      expect(await attrOf(page, `#approve-${request}`, 'aria-describedby')).toBe('approve-hint');
      await shot(page, 'promotions-alice');
      // the same RBAC as the API: alice may not list clusters, and the page says so
      await open(page, 'clusters');
      await page.waitForFunction(
        () =>
          document.querySelector('#content')?.textContent?.includes('You may not list clusters'),
        { timeout: 30_000 },
      );
      await shot(page, 'clusters-alice');
      await open(page, 'promotions');
      // and the server agrees: her own request, approved through the API from her session
      const status = await page.evaluate(async (name) => {
        const token = sessionStorage.getItem('flotilla.dashboard.token') ?? '';
        const res = await fetch(
          `/apis/registry.flotilla.io/v1alpha1/promotionrequests/${name}/approval`,
          {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ decision: 'approve' }),
          },
        );
        return res.status;
      }, request);
      expect(status).toBe(403);
    });

    it('shows bob the server refusal for his own request, then lets him approve alice’s to Succeeded', async () => {
      expect(request).not.toBe('');
      const own = await env().kubectl(
        ['--context', 'federation-bob', 'create', '-o', 'name', '-f', '-'],
        {
          input: JSON.stringify({
            apiVersion: 'registry.flotilla.io/v1alpha1',
            kind: 'PromotionRequest',
            metadata: { generateName: 'bob-own-' },
            spec: {
              image: { repository: 'dashboard/app', digest },
              from: 'dev',
              to: 'prod',
              requester: 'bob',
            },
          }),
        },
      );
      expect(own.code, own.stderr).toBe(0);
      const ownName = own.stdout.trim().split('/').at(-1) ?? '';
      const page = await loginAs('federation-bob', 'bob');
      await open(page, 'promotions');
      // two-person rule: RBAC lets bob approve, the server refuses his own request (403 shown)
      const ownButton = `#approve-${ownName}:not([disabled])`;
      await page.waitForSelector(ownButton, { timeout: 30_000 });
      await page.click(ownButton);
      await page.waitForFunction(
        () => document.querySelector('#notice')?.textContent?.includes('Refused (403'),
        {
          timeout: 30_000,
        },
      );
      expect(await textOf(page, '#notice')).toContain(
        `user "bob" requested promotion ${ownName} and cannot approve it`,
      );
      await shot(page, 'promotions-refused');

      // keyboard: Tab from the top reaches every nav link and then the approve button
      // (a click on the page's title text moves the sequential focus starting point to the top)
      await page.evaluate(() => {
        window.scrollTo(0, 0);
      });
      await page.click('.brand');
      const reached: string[] = [];
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Tab');
        const id = await page.evaluate(() => {
          const a = document.activeElement;
          return a?.getAttribute('href') ?? a?.id ?? '';
        });
        reached.push(id);
        if (id === `approve-${request}`) break;
      }
      for (const id of ['clusters', 'workloads', 'bindings', 'promotions', 'registries', 'dns']) {
        expect(reached).toContain(`#/${id}`);
      }
      expect(reached).toContain(`approve-${request}`);
      // the focused button shows a visible focus indicator
      const outline = await page.evaluate(() =>
        document.activeElement ? getComputedStyle(document.activeElement).outlineStyle : 'none',
      );
      expect(outline).not.toBe('none');
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        (name) =>
          document.querySelector(`[data-phase="${name}"]`)?.textContent?.startsWith('Succeeded'),
        { timeout: 120_000 },
        request,
      );
      expect(await textOf(page, '#live')).toContain(`Promotion request ${request} is`);
      await shot(page, 'promotions');
    });

    it('labels every form control, logs in with a pasted token and out again, within the CSP', async () => {
      if (!browser) throw new Error('no browser');
      const page = await (await browser.createBrowserContext()).newPage();
      page.on('console', (m) => {
        if (m.text().includes('Content Security Policy')) cspViolations.push(m.text());
      });
      const { url } = federationServer(env().kubeconfig);
      // no token and no client certificate: the login form, served under the strict CSP
      const res = await page.goto(new URL('/dashboard/', url).toString());
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      expect(res?.headers()['content-security-policy']).not.toContain('unsafe-inline');
      await page.waitForSelector('#login');
      for (const p of [page, admin].filter((x): x is Page => x !== undefined)) {
        const unlabelled = await p.evaluate(() =>
          [...document.querySelectorAll('input, select, textarea')]
            .filter(
              (el) =>
                (el.labels?.length ?? 0) === 0 &&
                !el.getAttribute('aria-label') &&
                !el.getAttribute('aria-labelledby'),
            )
            .map((el) => el.outerHTML),
        );
        expect(unlabelled).toEqual([]);
      }
      expect(await textOf(page, 'label[for="token"]')).toBe('Bearer token');

      // a pasted bearer token (the admin's session) logs in; logging out ends that session
      if (!admin) throw new Error('admin did not log in');
      const token = await admin.evaluate(() => sessionStorage.getItem('flotilla.dashboard.token'));
      expect(token).toBeTruthy();
      await page.type('#token', token ?? '');
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        () => document.querySelector('#whoami strong')?.textContent === 'admin',
        {
          timeout: 30_000,
        },
      );
      await page.click('#logout');
      await page.waitForSelector('#login');
      expect(
        await page.evaluate(() => sessionStorage.getItem('flotilla.dashboard.token')),
      ).toBeNull();
      const after = await page.evaluate(async (t) => {
        const r = await fetch('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
          method: 'POST',
          headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'SelfSubjectReview',
          }),
        });
        return r.status;
      }, token ?? '');
      expect(after).toBe(401);
      expect(cspViolations).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  });
}
