import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDashboardOptions, validateDashboardOptions } from './options.js';
import { contentTypeOf, webFilePath } from './static-files.js';
import { defaultWebRoot } from './web-root.js';
import type { ObjectStorage } from '../../machinery/storage/object-storage.js';

describe('webFilePath', () => {
  const root = '/srv/web';
  it('maps request paths below the root, index.html for folders', () => {
    expect(webFilePath(root, '')).toBe('/srv/web/index.html');
    expect(webFilePath(root, 'app.js')).toBe('/srv/web/app.js');
    expect(webFilePath(root, 'img/logo.svg')).toBe('/srv/web/img/logo.svg');
    expect(webFilePath(root, 'img/')).toBe('/srv/web/img/index.html');
    expect(webFilePath(root, 'a%20b.css')).toBe('/srv/web/a b.css');
  });

  it('refuses anything that could leave the root or names hidden files', () => {
    for (const bad of [
      '../package.json',
      '..',
      '%2e%2e/package.json',
      'img/../../x',
      '..%2fx',
      '%2fetc/passwd',
      'a%5c..%5cx',
      'a\\b',
      '.env',
      'img//x.png',
      'x%00.js',
      '%E0%A4%A',
    ]) {
      expect(webFilePath(root, bad), bad).toBeUndefined();
    }
  });
});

describe('contentTypeOf', () => {
  it('knows the browser file types', () => {
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('app.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('a.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('logo.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('blob')).toBe('application/octet-stream');
  });
});

describe('defaultWebRoot', () => {
  it('finds the repository folder from the sources and from a build below it', () => {
    const repo = mkdtempSync(join(tmpdir(), 'dash-root-'));
    writeFileSync(join(repo, 'package.json'), '{}');
    mkdirSync(join(repo, 'dashboard', 'server'), { recursive: true });
    mkdirSync(join(repo, 'dist', 'dashboard', 'server'), { recursive: true });
    const web = join(repo, 'dashboard', 'web');
    expect(defaultWebRoot(`file://${repo}/dashboard/server/dashboard.ts`)).toBe(web);
    expect(defaultWebRoot(`file://${repo}/dist/dashboard/server/dashboard.js`)).toBe(web);
  });

  it('is this repository for this module', () => {
    expect(defaultWebRoot()).toBe(join(import.meta.dirname, '..', 'web'));
  });

  it('fails clearly without a repository above', () => {
    expect(() => defaultWebRoot('file:///tmp/nowhere/x.js')).toThrow(/no repository root/);
  });
});

describe('dashboard options', () => {
  const storage = {} as ObjectStorage;
  it('defaults to 8 h sessions and 10 min codes', () => {
    const o = resolveDashboardOptions({ storage });
    expect(o.sessionTtlMs).toBe(8 * 3600_000);
    expect(o.codeTtlMs).toBe(600_000);
    expect(validateDashboardOptions(o)).toEqual([]);
  });
  it('reports every bad lifetime at once', () => {
    const o = resolveDashboardOptions({ storage, sessionTtlMs: 0, codeTtlMs: 7_200_000 });
    expect(validateDashboardOptions(o)).toEqual([
      'sessionTtlMs must be at least 1000 ms',
      'codeTtlMs must not exceed maxCodeTtlMs',
    ]);
  });
});
