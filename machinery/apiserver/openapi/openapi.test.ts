import { describe, expect, it } from 'vitest';
import type { ResourceType } from '../../resource-type.js';
import { kindSchema } from '../protobuf/index.js';
import { openApiV2Document, openApiV3Documents } from './documents.js';
import { findDuplicateFields } from './duplicate-fields.js';
import { encodeDocumentV2 } from './gnostic-v2.js';
import { findUnknownFields } from './unknown-fields.js';

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: { name: string }[]; requestBody?: { content: Record<string, unknown> } }
    >
  >;
  components: { schemas: Record<string, Record<string, unknown>> };
};

const rt = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  patchMergeKeys?: Record<string, string>,
): ResourceType => ({
  group,
  version,
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced: true,
  ...(patchMergeKeys ? { patchMergeKeys } : {}),
});

// served types as api/ declares them (machinery/ does not import api/)
const types = [
  rt('', 'v1', 'Pod', 'pods', { '.spec.containers': 'name' }),
  rt('', 'v1', 'ConfigMap', 'configmaps'),
  rt('', 'v1', 'Service', 'services', { '.spec.ports': 'port' }),
  rt('apps', 'v1', 'Deployment', 'deployments', { '.spec.template.spec.containers': 'name' }),
  rt('apps', 'v1', 'ReplicaSet', 'replicasets'),
  rt('batch', 'v1', 'Job', 'jobs'),
];
const v3 = openApiV3Documents(types);
const apps = v3.get('apis/apps/v1') as Doc;
const core = v3.get('api/v1') as Doc;

describe('OpenAPI v3 documents', () => {
  it('has one document per served group-version', () => {
    expect([...v3.keys()]).toEqual(
      expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/batch/v1']),
    );
  });

  it('names kinds as Kubernetes does, with their group-version-kind', () => {
    const dep = apps.components.schemas['io.k8s.api.apps.v1.Deployment'];
    expect(dep?.['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ]);
    expect(dep?.description).toMatch(/replicated/);
    expect(
      apps.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'],
    ).toBeDefined();
  });

  it('types fields: refs, arrays, maps, int-or-string, time, required', () => {
    const s = apps.components.schemas;
    const spec = s['io.k8s.api.apps.v1.DeploymentSpec'] as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(spec.properties.replicas).toMatchObject({ type: 'integer' });
    expect(spec.properties.template).toMatchObject({
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }],
    });
    expect(spec.required).toEqual(['selector', 'template']);
    const meta = s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'] as {
      properties: Record<string, unknown>;
    };
    expect(meta.properties.labels).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    expect(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({
      'x-kubernetes-int-or-string': true,
    });
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toMatchObject({
      type: 'string',
      format: 'date-time',
    });
    // PodSpec and Container list every Go field; volume sources only those served
    expect(s['io.k8s.api.core.v1.PodSpec']?.['x-kubernetes-preserve-unknown-fields']).toBe(
      undefined,
    );
    expect(s['io.k8s.api.core.v1.Container']?.['x-kubernetes-preserve-unknown-fields']).toBe(
      undefined,
    );
    expect(s['io.k8s.api.core.v1.Volume']?.['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });

  it('publishes the merge keys the server patches lists by', () => {
    const podSpec = core.components.schemas['io.k8s.api.core.v1.PodSpec'] as {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(podSpec.properties.containers?.['x-kubernetes-patch-merge-key']).toBe('name');
  });

  it('lists fieldValidation on writes so kubectl leaves validation to the server', () => {
    const item = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    expect(item?.patch?.parameters?.map((p) => p.name)).toContain('fieldValidation');
    // the status lists no field: kubectl computes patches from its own types
    expect(Object.keys(item?.patch?.requestBody?.content ?? {})).not.toContain(
      'application/strategic-merge-patch+json',
    );
    const cm = core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'];
    expect(Object.keys(cm?.patch?.requestBody?.content ?? {})).toContain(
      'application/strategic-merge-patch+json',
    );
  });

  it('gives a kind without a message schema a minimal, open definition', () => {
    const rs = apps.components.schemas['io.k8s.api.apps.v1.ReplicaSet'];
    expect(rs).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });
});

describe('OpenAPI v2 document', () => {
  it('holds every kind under definitions and encodes to gnostic protobuf', () => {
    const doc = openApiV2Document(types);
    const defs = doc.definitions as Record<string, unknown>;
    expect(defs['io.k8s.api.apps.v1.Deployment']).toBeDefined();
    expect(JSON.stringify(defs)).not.toContain('#/components/');
    const pb = encodeDocumentV2(doc);
    expect(pb.subarray(0, 5).toString('latin1')).toBe('\n\x032.0');
    expect(pb.includes(Buffer.from('io.k8s.api.apps.v1.DeploymentSpec'))).toBe(true);
  });
});

describe('findUnknownFields', () => {
  const dep = kindSchema('apps/v1', 'Deployment');
  const svc = kindSchema('v1', 'Service');
  it('reports unknown fields with their paths', () => {
    if (!dep) throw new Error('no Deployment schema');
    expect(
      findUnknownFields(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'x', labelz: {} },
          spec: {
            replicaz: 2,
            template: { spec: { containers: [{ name: 'a', ports: [{ containerPortz: 1 }] }] } },
          },
        },
        dep,
      ),
    ).toEqual([
      'metadata.labelz',
      'spec.replicaz',
      'spec.template.spec.containers[0].ports[0].containerPortz',
    ]);
  });
  it('does not look into open messages or free-form values', () => {
    if (!dep || !svc) throw new Error('no schema');
    expect(
      findUnknownFields(
        {
          metadata: { labels: { any: 'x' } },
          spec: { template: { spec: { affinity: {}, containers: [{ livenessProbe: {} }] } } },
          status: { whatever: 1 },
        },
        dep,
      ),
    ).toEqual([]);
    expect(findUnknownFields({ spec: { ports: [{ port: 80, targetPort: 'http' }] } }, svc)).toEqual(
      [],
    );
  });
});

describe('findDuplicateFields', () => {
  it('finds repeated keys with their paths', () => {
    expect(
      findDuplicateFields(
        '{"spec": {"replicas": 1, "a": [{"x": 1, "x": 2}], "replicas": 2}, "b": "\\"replicas\\":"}',
      ),
    ).toEqual(['spec.a[0].x', 'spec.replicas']);
    expect(findDuplicateFields('{"a": {"x": 1}, "b": {"x": 1}}')).toEqual([]);
  });
});
