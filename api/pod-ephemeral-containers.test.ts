import { describe, expect, it } from 'vitest';
import { InvalidError } from '../machinery/errors/index.js';
import type { Pod, PodSpec } from './core-types.js';
import {
  admitPodUpdate,
  EPHEMERAL_CONTAINERS,
  podContainerNames,
  validateEphemeralContainers,
} from './pod-ephemeral-containers.js';
import { podType } from './resource-types.js';

const base: PodSpec = { containers: [{ name: 'app', image: 'busybox' }] };
const debugger_ = { name: 'debugger', image: 'busybox', targetContainerName: 'app' };
const withEphemeral = (...ec: PodSpec['ephemeralContainers'] & object): PodSpec => ({
  ...structuredClone(base),
  ephemeralContainers: ec,
});
const pod = (spec: PodSpec): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default' },
  spec,
});
const fields = (spec: PodSpec, old?: PodSpec): string[] =>
  validateEphemeralContainers(spec, old).map((c) => `${c.field ?? ''}: ${c.message ?? ''}`);

describe('validateEphemeralContainers', () => {
  it('accepts a debug container added to a running pod, with a target', () => {
    expect(fields(withEphemeral(debugger_), base)).toEqual([]);
    expect(
      fields(
        withEphemeral(debugger_, {
          name: 'second',
          image: 'busybox',
          command: ['sh'],
          stdin: true,
          tty: true,
          env: [{ name: 'A', value: '1' }],
        }),
        withEphemeral(debugger_),
      ),
    ).toEqual([]);
  });

  it('refuses ports, probes, resources and lifecycle; accepts empty resources', () => {
    const bad = {
      ...debugger_,
      ports: [{ containerPort: 80 }],
      readinessProbe: { tcpSocket: { port: 80 } },
      resources: { limits: { cpu: '1' } },
      lifecycle: { preStop: {} },
    };
    expect(fields(withEphemeral(bad), base)).toEqual([
      'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container',
      // an empty map is Go's zero value: `preStop: {}` sets nothing
    ]);
    expect(fields(withEphemeral({ ...debugger_, resources: {} }), base)).toEqual([]);
  });

  it('needs a unique DNS-label name, an image and a target among the pod containers', () => {
    expect(
      fields(
        withEphemeral(
          { name: 'app', image: 'busybox' },
          { name: 'Bad_Name', image: '' },
          { name: 'x', image: 'busybox', targetContainerName: 'nope' },
          { name: 'x', image: 'busybox', env: [{ name: '' }] },
        ),
        base,
      ),
    ).toEqual([
      'spec.ephemeralContainers[0].name: Duplicate value: "app"',
      'spec.ephemeralContainers[1].name: Invalid value: "Bad_Name": must be a DNS-1123 label',
      'spec.ephemeralContainers[1].image: Required value',
      'spec.ephemeralContainers[2].targetContainerName: Not found: "nope"',
      'spec.ephemeralContainers[3].name: Duplicate value: "x"',
      'spec.ephemeralContainers[3].env[0].name: Required value',
    ]);
  });

  it('never changes or removes an existing entry (key order does not matter)', () => {
    const old = withEphemeral(debugger_);
    expect(fields(withEphemeral({ ...debugger_, image: 'alpine' }), old)).toEqual([
      'spec.ephemeralContainers[debugger]: Forbidden: existing ephemeral containers "debugger" may not be changed',
    ]);
    expect(fields(base, old)).toEqual(['spec.ephemeralContainers: Not found: "debugger"']);
    const reordered = { targetContainerName: 'app', image: 'busybox', name: 'debugger' };
    expect(fields(withEphemeral(reordered), old)).toEqual([]);
  });

  it('refuses ephemeral containers on create', () => {
    expect(fields(withEphemeral(debugger_))).toEqual([
      'spec.ephemeralContainers: Forbidden: cannot be set on create',
    ]);
  });
});

describe('pods update and pods/ephemeralcontainers', () => {
  const ctx = (subresource: string | undefined) =>
    ({ operation: 'UPDATE', user: 'alice', subresource }) as const;

  it('lets only the subresource change spec.ephemeralContainers (422 otherwise)', () => {
    const old = pod(base);
    const next = pod(withEphemeral(debugger_));
    expect(() => admitPodUpdate(next, old, ctx(EPHEMERAL_CONTAINERS))).not.toThrow();
    expect(() => admitPodUpdate(next, old, ctx(undefined))).toThrow(InvalidError);
    expect(() => admitPodUpdate(next, old, ctx(undefined))).toThrow(
      /pod updates may not change spec.ephemeralContainers/,
    );
    // other pod updates of a pod that has them are fine
    const labelled = pod(withEphemeral(debugger_));
    labelled.metadata.labels = { a: 'b' };
    expect(() => admitPodUpdate(labelled, next, ctx(undefined))).not.toThrow();
    expect(podType.admitUpdate).toBe(admitPodUpdate);
  });

  it('validates them with the pod (after the pod spec itself) and defaults them', () => {
    const next = pod(withEphemeral({ ...debugger_, ports: [{ containerPort: 1 }] }));
    podType.defaults?.(next);
    expect(next.spec.ephemeralContainers?.[0]).toMatchObject({
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
    });
    expect(podType.validate?.(next, pod(base)).map((c) => c.field)).toEqual([
      'spec.ephemeralContainers[0].ports',
    ]);
  });

  it('names every container of a pod for exec, attach and logs', () => {
    const spec = withEphemeral(debugger_) as PodSpec & { initContainers: { name: string }[] };
    spec.initContainers = [{ name: 'init' }];
    expect(podContainerNames(pod(spec))).toEqual(['app', 'init', 'debugger']);
  });
});
