import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import { applyOverriders, overrideImage } from './apply-overrides.js';

describe('overrideImage', () => {
  it('replaces registry, repository and tag', () => {
    expect(
      overrideImage('127.0.0.1:5000/app/web:1', [
        { component: 'Registry', operator: 'replace', value: '127.0.0.1:6000' },
      ]),
    ).toBe('127.0.0.1:6000/app/web:1');
    expect(
      overrideImage('nginx:1.25', [{ component: 'Tag', operator: 'replace', value: '1.26' }]),
    ).toBe('nginx:1.26');
    expect(
      overrideImage('nginx@sha256:abc', [
        { component: 'Repository', operator: 'replace', value: 'library/nginx' },
      ]),
    ).toBe('library/nginx@sha256:abc');
  });
});

describe('applyOverriders', () => {
  const dep: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'w', labels: { a: '1' } },
    spec: {
      replicas: 2,
      template: { spec: { containers: [{ name: 'c', image: 'x:1', args: ['-v'] }] } },
    },
  };
  it('changes args, labels, replicas and applies JSON patches without touching the input', () => {
    const out = applyOverriders(dep, {
      argsOverrider: [{ containerName: 'c', operator: 'add', value: ['--fast'] }],
      labelsOverrider: [{ operator: 'add', value: { tier: 'edge' } }],
      replicasOverrider: 5,
      plaintext: [{ path: '/metadata/annotations', operator: 'add', value: { note: 'x' } }],
    });
    expect(out.spec).toMatchObject({
      replicas: 5,
      template: { spec: { containers: [{ args: ['-v', '--fast'] }] } },
    });
    expect(out.metadata.labels).toEqual({ a: '1', tier: 'edge' });
    expect(out.metadata.annotations).toEqual({ note: 'x' });
    expect((dep.spec as { replicas: number }).replicas).toBe(2);
  });
});
