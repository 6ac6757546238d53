import { describe, expect, it } from 'vitest';
import type { CustomResourceDefinition, JSONSchemaProps } from './crd-types.js';
import { validateCrd } from './crd-validation.js';
import { customResourceType, evalJsonPath } from './custom-resource-type.js';
import { defaultObject, pruneObject, unknownFields } from './schema-pruning.js';
import { validateAgainstSchema } from './schema-validation.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      properties: {
        image: { type: 'string', pattern: '^[a-z0-9./:-]+$', maxLength: 20 },
        replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
        color: { type: 'string', enum: ['red', 'blue'] },
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
        tags: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 2 },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        tls: {
          type: 'object',
          default: {},
          properties: { enabled: { type: 'boolean', default: false } },
        },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
  },
};

const obj = (spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', annotations: { a: 'b' } },
  spec,
});

describe('validateAgainstSchema', () => {
  it('accepts a valid object', () => {
    expect(
      validateAgainstSchema(
        schema,
        obj({ image: 'nginx:1', replicas: 3, port: 'http', note: null, tags: ['a'] }),
      ),
    ).toEqual([]);
    expect(validateAgainstSchema(schema, obj({ image: 'x', port: 8080 }))).toEqual([]);
  });

  it('reports types with Kubernetes paths and messages', () => {
    const causes = validateAgainstSchema(schema, obj({ image: 'x', replicas: 'string' }));
    expect(causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      },
    ]);
  });

  it('reports required, enum, bounds, pattern, lengths, items and nullability', () => {
    const causes = validateAgainstSchema(
      schema,
      obj({
        replicas: 11,
        color: 'pink',
        port: 1.5,
        tags: ['', 'b', 'c'],
        labels: { a: 1 },
        tls: null,
      }),
    );
    const byField: Record<string, string | undefined> = Object.fromEntries(
      causes.map((c) => [c.field ?? '', c.message]),
    );
    expect(byField['spec.image']).toBe('Required value');
    expect(byField['spec.replicas']).toContain('should be less than or equal to 10');
    expect(byField['spec.color']).toBe(
      'Unsupported value: "pink": supported values: "red", "blue"',
    );
    expect(byField['spec.port']).toContain('must be of type integer or string');
    expect(byField['spec.tags']).toBe('Too many: 3: must have at most 2 items');
    expect(byField['spec.tags[0]']).toContain('should be at least 1 chars long');
    expect(byField['spec.labels[a]']).toContain('must be of type string');
    expect(byField['spec.tls']).toContain('must be of type object: "null"');
    const long = validateAgainstSchema(schema, obj({ image: 'UPPER-and-much-too-long-image' }));
    expect(long.map((c) => c.message)).toEqual([
      'Too long: may not be more than 20 bytes',
      `Invalid value: "UPPER-and-much-too-long-image": spec.image in body should match '^[a-z0-9./:-]+$'`,
    ]);
  });
});

describe('pruning and defaulting', () => {
  it('drops unknown fields, keeps metadata and preserved subtrees', () => {
    const o = obj({
      image: 'x',
      bogus: 1,
      extra: { anything: { goes: true } },
      labels: { k: 'v' },
    });
    o.topLevel = true;
    expect(unknownFields(schema, o)).toEqual(['spec.bogus', 'topLevel']);
    expect(pruneObject(schema, o)).toEqual(['spec.bogus', 'topLevel']);
    expect(o).toEqual(obj({ image: 'x', extra: { anything: { goes: true } }, labels: { k: 'v' } }));
  });

  it('fills defaults, nested ones below a defaulted object too', () => {
    const o = obj({ image: 'x' });
    defaultObject(schema, o);
    expect(o.spec).toEqual({ image: 'x', replicas: 1, tls: { enabled: false } });
    const kept = obj({ image: 'x', replicas: 0, tls: { enabled: true } });
    defaultObject(schema, kept);
    expect(kept.spec).toEqual({ image: 'x', replicas: 0, tls: { enabled: true } });
  });
});

function crd(over: Partial<CustomResourceDefinition['spec']> = {}): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
          },
          additionalPrinterColumns: [
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
      ...over,
    },
  };
}

describe('validateCrd', () => {
  it('accepts a well-formed CRD', () => {
    expect(validateCrd(crd(), undefined)).toEqual([]);
  });

  it('refuses a wrong name, group, scope, storage count and non-structural schemas', () => {
    const bad = crd({
      group: 'example',
      scope: 'Global' as 'Cluster',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: false,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { properties: { list: { type: 'array' } } },
                n: { type: 'integer', default: 'x' },
              },
            },
          },
        },
        { name: 'v2', served: true, storage: false },
      ],
    });
    const fields = validateCrd(bad, undefined).map((c) => c.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'spec.group',
        'spec.scope',
        'metadata.name',
        'spec.versions',
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].type',
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[list].items',
        'spec.versions[0].schema.openAPIV3Schema.properties[n].default',
        'spec.versions[1].schema.openAPIV3Schema',
      ]),
    );
  });

  it('keeps group and scope on update', () => {
    const old = crd();
    const next = crd({ scope: 'Cluster' });
    expect(validateCrd(next, old).map((c) => c.field)).toEqual(['spec.scope']);
  });
});

describe('customResourceType', () => {
  it('serves names, subresources and printer columns of a version', () => {
    const c = crd();
    const version = c.spec.versions[0];
    if (!version) throw new Error('no version');
    const rt = customResourceType(c, version);
    expect(rt).toMatchObject({
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      plural: 'widgets',
      namespaced: true,
      shortNames: ['wd'],
      subresources: { status: true, scale: { specReplicasPath: '.spec.replicas' } },
      strategicMergePatch: false,
    });
    // the creation timestamp column is the Table's own Age
    expect(rt.printerColumns?.map((p) => p.name)).toEqual(['Replicas']);
    const w = { ...obj({ image: 'x', replicas: 2 }), metadata: { name: 'w' } };
    expect(rt.printerColumns?.[0]?.value(w as never)).toBe(2);
  });

  it('evaluates the JSONPath subset of printer columns', () => {
    const o = {
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'Synced', status: 'False' },
        ],
      },
    };
    expect(evalJsonPath(o, '.status.conditions[?(@.type=="Ready")].status')).toEqual(['True']);
    expect(evalJsonPath(o, '.status.conditions[1].type')).toEqual(['Synced']);
    expect(evalJsonPath(o, '.status.conditions[*].type')).toEqual(['Ready', 'Synced']);
    expect(evalJsonPath(o, '.spec.missing')).toEqual([]);
  });
});
