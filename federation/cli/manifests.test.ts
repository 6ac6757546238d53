import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from './errors/index.js';
import { parseManifests, readManifests } from './manifests.js';

describe('parseManifests', () => {
  it('reads multi-document YAML, skips empty documents and flattens lists', () => {
    const objs = parseManifests(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret","metadata":{"name":"b"}}]}\n',
      'x',
    );
    expect(objs.map((o) => `${o.kind}/${o.metadata.name ?? ''}`)).toEqual([
      'ConfigMap/a',
      'Secret/b',
    ]);
  });

  it('rejects invalid YAML and documents without kind or name', () => {
    expect(() => parseManifests('a: [1,\n', 'f.yaml')).toThrow(/^error parsing f.yaml: /);
    expect(() => parseManifests('apiVersion: v1\nmetadata: {name: a}\n', 'f.yaml')).toThrow(
      /apiVersion and kind are required/,
    );
    expect(() => parseManifests('apiVersion: v1\nkind: ConfigMap\n', 'f.yaml')).toThrow(
      /ConfigMap needs metadata.name/,
    );
  });
});

describe('readManifests', () => {
  it('reads a directory in name order and fails on a missing path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-manifests-'));
    writeFileSync(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
    writeFileSync(
      join(dir, 'a.json'),
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}',
    );
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    expect((await readManifests([dir])).map((o) => o.metadata.name)).toEqual(['a', 'b']);
    await expect(readManifests([join(dir, 'nope.yaml')])).rejects.toThrow(CliError);
    expect(
      (
        await readManifests(['-'], () =>
          Promise.resolve('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n'),
        )
      )[0]?.metadata.name,
    ).toBe('s');
  });
});
