import { describe, expect, it } from 'vitest';
import { builtInSchema, openApiSchema } from './apply-schema.js';
import { compareObjects, configFieldSet } from './field-paths.js';
import { FieldSet, pathString } from './field-set.js';

const deploymentSchema = builtInSchema({ '.spec.template.spec.containers': 'name' });

const applied = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['x'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      spec: {
        containers: [{ name: 'web', image: 'nginx', args: ['a', 'b'] }],
      },
    },
  },
};

describe('FieldSet', () => {
  it('encodes leaves, associative items (k:), set values (v:) and atomic maps as FieldsV1', () => {
    const set = configFieldSet(applied, deploymentSchema);
    expect(set.toFieldsV1()).toEqual({
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': {
        'f:finalizers': { 'v:"x"': {} },
        'f:labels': { 'f:app': {} },
        'f:name': {},
      },
      'f:spec': {
        'f:replicas': {},
        // label selectors are atomic: owned as one field
        'f:selector': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                // a list without merge key is atomic
                'f:args': {},
                'f:image': {},
                'f:name': {},
              },
            },
          },
        },
      },
    });
  });

  it('round-trips through FieldsV1 and prints paths as Kubernetes does', () => {
    const set = configFieldSet(applied, deploymentSchema);
    const back = FieldSet.fromFieldsV1(set.toFieldsV1());
    expect(back.equals(set)).toBe(true);
    const image = back.paths().find((p) => p[p.length - 1] === 'f:image');
    expect(image && pathString(image)).toBe('.spec.template.spec.containers[name="web"].image');
    expect(pathString(['f:metadata', 'f:finalizers', 'v:"x"'])).toBe('.metadata.finalizers[="x"]');
    expect(() => FieldSet.fromFieldsV1({ 'x:bad': {} })).toThrow(/invalid fieldsV1 key/);
  });

  it('set operations', () => {
    const a = new FieldSet([['f:a'], ['f:b', 'f:c']]);
    const b = new FieldSet([['f:b', 'f:c'], ['f:d']]);
    expect(a.union(b).size).toBe(3);
    expect(a.difference(b).paths()).toEqual([['f:a']]);
    expect(a.intersection(b).paths()).toEqual([['f:b', 'f:c']]);
    expect(a.hasDescendantOf(['f:b'])).toBe(true);
    expect(a.hasDescendantOf(['f:a'])).toBe(false);
  });

  it('compares objects: a new subtree is owned whole, items by key, changed leaves', () => {
    const before = {
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'a' }] } } },
    };
    const after = {
      metadata: { labels: { app: 'x' } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            containers: [
              { name: 'web', image: 'a' },
              { name: 'side', image: 'b' },
            ],
          },
        },
      },
    };
    const c = compareObjects(before, after, deploymentSchema);
    expect(c.modified.paths()).toEqual([['f:spec', 'f:replicas']]);
    expect(c.added.toFieldsV1()).toEqual({
      'f:metadata': { '.': {}, 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"side"}': { '.': {}, 'f:image': {}, 'f:name': {} },
            },
          },
        },
      },
    });
    const back = compareObjects(after, before, deploymentSchema);
    expect(back.removed.has(['f:metadata', 'f:labels', 'f:app'])).toBe(true);
    expect(back.added.isEmpty()).toBe(true);
  });

  it('takes list semantics of custom resources from x-kubernetes extensions', () => {
    const schema = openApiSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            ports: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['port', 'protocol'],
              items: { type: 'object' },
            },
            tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
            containers: { type: 'array', items: { type: 'object' } },
          },
        },
      },
    });
    const set = configFieldSet(
      {
        spec: {
          ports: [{ port: 80, protocol: 'TCP', name: 'http' }],
          tags: ['a'],
          containers: [{ name: 'x' }],
        },
      },
      schema,
    );
    expect(set.toFieldsV1()).toEqual({
      'f:spec': {
        // no x-kubernetes-list-type: atomic, even for a field called containers
        'f:containers': {},
        'f:ports': {
          'k:{"port":80,"protocol":"TCP"}': {
            '.': {},
            'f:name': {},
            'f:port': {},
            'f:protocol': {},
          },
        },
        'f:tags': { 'v:"a"': {} },
      },
    });
  });
});
