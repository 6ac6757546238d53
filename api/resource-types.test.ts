import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../machinery/meta.js';
import {
  deploymentType,
  memberResourceTypes,
  namespaceType,
  podType,
  replicaSetType,
  secretType,
  serviceType,
  type Deployment,
  type Pod,
  type Service,
} from './index.js';

function deployment(): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'httpd', image: 'busybox:1.36', ports: [{ containerPort: 8080 }] }],
        },
      },
    },
  };
}

function fields(causes: { field?: string }[]): string[] {
  return causes.map((c) => c.field ?? '').sort();
}

describe('member resource types', () => {
  it('serves every kind once with its group', () => {
    const kinds = memberResourceTypes.map((t) => `${t.group}/${t.kind}`);
    expect(kinds).toEqual([
      '/Namespace',
      '/Pod',
      '/Node',
      '/Service',
      '/Endpoints',
      '/ConfigMap',
      '/Secret',
      '/ServiceAccount',
      '/Event',
      'events.k8s.io/Event',
      'coordination.k8s.io/Lease',
      'apps/Deployment',
      'apps/ReplicaSet',
      'apps/StatefulSet',
      'apps/DaemonSet',
      'apps/ControllerRevision',
      'batch/Job',
      'batch/CronJob',
      'certificates.k8s.io/CertificateSigningRequest',
      'policy/PodDisruptionBudget',
      'autoscaling/HorizontalPodAutoscaler',
      'autoscaling/HorizontalPodAutoscaler',
      'scheduling.k8s.io/PriorityClass',
      '/ResourceQuota',
      'networking.k8s.io/Ingress',
      'networking.k8s.io/IngressClass',
      'discovery.k8s.io/EndpointSlice',
      'multicluster.x-k8s.io/ServiceExport',
      'multicluster.x-k8s.io/ServiceImport',
    ]);
    expect(deploymentType.subresources?.scale?.specReplicasPath).toBe('.spec.replicas');
    expect(replicaSetType.subresources?.status).toBe(true);
  });

  it('defaults a Deployment like Kubernetes', () => {
    const d = deployment();
    deploymentType.defaults?.(d);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    const pod = d.spec.template.spec;
    expect(pod.restartPolicy).toBe('Always');
    expect(pod.dnsPolicy).toBe('ClusterFirst');
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(pod.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
    expect(pod.containers[0]?.terminationMessagePath).toBe('/dev/termination-log');
    expect(pod.containers[0]?.ports?.[0]?.protocol).toBe('TCP');
  });

  it('keeps user values and pulls :latest and untagged images Always', () => {
    const d = deployment();
    d.spec.replicas = 0;
    d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2 } };
    d.spec.template.spec.containers.push(
      { name: 'a', image: 'r:5000/x:latest' },
      { name: 'b', image: 'r:5000/x' },
    );
    deploymentType.defaults?.(d);
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 2, maxUnavailable: '25%' });
    expect(d.spec.template.spec.containers.map((c) => c.imagePullPolicy)).toEqual([
      'IfNotPresent',
      'Always',
      'Always',
    ]);
  });

  it('defaults Services, Secrets and Namespaces', () => {
    const s: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80 }] },
    };
    serviceType.defaults?.(s);
    expect(s.spec).toEqual({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    });
    const sec: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'x' },
      stringData: { a: 'hi' },
    };
    secretType.defaults?.(sec);
    expect(sec).toMatchObject({ type: 'Opaque', data: { a: 'aGk=' } });
    expect(sec.stringData).toBeUndefined();
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } };
    namespaceType.defaults?.(ns);
    expect(ns.metadata.finalizers).toEqual(['kubernetes']);
  });

  it('accepts a valid Deployment', () => {
    const d = deployment();
    deploymentType.defaults?.(d);
    expect(deploymentType.validate?.(d, undefined)).toEqual([]);
  });

  it('reports every Deployment problem at once', () => {
    const d = deployment();
    d.spec.replicas = -1;
    d.spec.template.metadata = { labels: { app: 'other' } };
    d.spec.template.spec.containers = [
      { name: 'Bad_Name', image: '' },
      { name: 'ok', image: 'x', ports: [{ containerPort: 70000, name: 'this-name-is-too-long' }] },
    ];
    d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } };
    d.spec.revisionHistoryLimit = -2;
    expect(fields(deploymentType.validate?.(d, undefined) ?? [])).toEqual([
      'spec.replicas',
      'spec.revisionHistoryLimit',
      'spec.strategy.rollingUpdate.maxUnavailable',
      'spec.template.metadata.labels',
      'spec.template.spec.containers[0].image',
      'spec.template.spec.containers[0].name',
      'spec.template.spec.containers[1].ports[0].containerPort',
      'spec.template.spec.containers[1].ports[0].name',
    ]);
  });

  it('requires selector, containers and restartPolicy Always for workloads', () => {
    const d = deployment();
    d.spec.selector = {};
    d.spec.template.spec = { containers: [], restartPolicy: 'Never' };
    expect(fields(deploymentType.validate?.(d, undefined) ?? [])).toEqual([
      'spec.selector',
      'spec.template.spec.containers',
      'spec.template.spec.restartPolicy',
    ]);
  });

  it('validates pods and keeps spec.nodeName immutable', () => {
    const p: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'c', image: 'x' },
          { name: 'c', image: 'y' },
        ],
        hostname: 'UPPER',
      },
    };
    expect(fields(podType.validate?.(p, undefined) ?? [])).toEqual([
      'spec.containers[1].name',
      'spec.hostname',
    ]);
    const old: Pod = { ...p, spec: { containers: [{ name: 'c', image: 'x' }], nodeName: 'n1' } };
    const moved: Pod = { ...p, spec: { containers: [{ name: 'c', image: 'x' }], nodeName: 'n2' } };
    expect(fields(podType.validate?.(moved, old) ?? [])).toEqual(['spec.nodeName']);
  });

  it('validates Service ports and clusterIP immutability', () => {
    const s: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.9',
        ports: [
          { port: 0, name: 'a' },
          { port: 80, name: 'a', targetPort: 'Not_A_Name' },
          { port: 81 },
        ],
      },
    };
    const old: Service = { ...s, spec: { ...s.spec, clusterIP: '10.96.0.8' } };
    expect(fields(serviceType.validate?.(s, old) ?? [])).toEqual([
      'spec.clusterIP',
      'spec.ports[0].port',
      'spec.ports[1].name',
      'spec.ports[1].targetPort',
      'spec.ports[2].name',
    ]);
  });

  it('declares strategic merge keys, field selectors and kubectl columns', () => {
    expect(podType.patchMergeKeys?.['.spec.containers']).toBe('name');
    expect(deploymentType.patchMergeKeys?.['.spec.template.spec.containers.ports']).toBe(
      'containerPort',
    );
    expect(deploymentType.patchMergeKeys?.['.spec.template.spec.containers.volumeMounts']).toBe(
      'mountPath',
    );
    expect(serviceType.patchMergeKeys?.['.spec.ports']).toBe('port');
    const p: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'x' }], nodeName: 'n1' },
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'c', ready: true, restartCount: 2, image: 'x' }],
      },
    };
    expect(podType.fieldSelectors?.['spec.nodeName']?.(p)).toBe('n1');
    expect(podType.fieldSelectors?.['status.phase']?.(p)).toBe('Running');
    const cols = Object.fromEntries(
      (podType.printerColumns ?? []).map((c) => [c.name, c.value(p)]),
    );
    expect(cols).toMatchObject({ Ready: '1/1', Status: 'Running', Restarts: 2, Node: 'n1' });
    const s: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80, protocol: 'TCP' }] },
    };
    const columns = (svc: Service): unknown[] =>
      (serviceType.printerColumns ?? []).map((c) => c.value(svc));
    expect(columns(s)).toEqual(['ClusterIP', '10.96.0.10', '<none>', '80/TCP']);
    const lb = { ...s, spec: { ...s.spec, type: 'LoadBalancer' as const } };
    lb.spec.ports = [{ port: 80, nodePort: 30080, protocol: 'TCP' }];
    expect(columns(lb)).toEqual(['LoadBalancer', '10.96.0.10', '<pending>', '80:30080/TCP']);
    lb.status = { loadBalancer: { ingress: [{ ip: '127.0.0.9' }] } };
    expect(columns(lb)[2]).toBe('127.0.0.9');
    const ext: Service = { ...s, spec: { type: 'ExternalName', externalName: 'db.example.com' } };
    expect(columns(ext)).toEqual(['ExternalName', '<none>', 'db.example.com', '<none>']);
  });
});

describe('pod graceful deletion', () => {
  const pod = (over: Partial<Pod['spec']> = {}, phase?: string): Pod =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'i' }], nodeName: 'n1', ...over },
      ...(phase ? { status: { phase } } : {}),
    }) as Pod;
  const grace = podType.gracefulDeletion;

  it('uses the requested period, else terminationGracePeriodSeconds, else 30', () => {
    expect(grace?.(pod(), 7)).toBe(7);
    expect(grace?.(pod({ terminationGracePeriodSeconds: 3 }), undefined)).toBe(3);
    expect(grace?.(pod(), undefined)).toBe(30);
  });

  it('deletes unbound and finished pods at once', () => {
    expect(grace?.(pod({ nodeName: '' }), 30)).toBe(0);
    expect(grace?.(pod({}, 'Succeeded'), 30)).toBe(0);
    expect(grace?.(pod({}, 'Failed'), undefined)).toBe(0);
  });
});
