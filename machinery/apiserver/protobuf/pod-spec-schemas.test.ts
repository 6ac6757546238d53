import { describe, expect, it } from 'vitest';
import type { ResourceType } from '../../resource-type.js';
import { fieldProblems } from '../field-validation.js';
import { decodeKubeProtobuf } from './index.js';
import { envelope, int, len } from '../../testing/protobuf-encoder.js';

const deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
};

const probe = { httpGet: { path: '/', port: 'http', httpHeaders: [{ name: 'a', value: 'b' }] } };

/** A container that sets every kind of nested field kubectl users write. */
const fullContainer = {
  name: 'c',
  image: 'busybox',
  command: ['sh'],
  args: ['-c', 'sleep 1'],
  workingDir: '/',
  ports: [{ name: 'http', containerPort: 80, protocol: 'TCP', hostPort: 8080, hostIP: '0.0.0.0' }],
  env: [
    { name: 'A', value: '1' },
    { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: true } } },
    { name: 'D', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
  ],
  envFrom: [{ prefix: 'X_', configMapRef: { name: 'cm' } }, { secretRef: { name: 's' } }],
  resources: { limits: { cpu: '1' }, requests: { memory: '1Mi' }, claims: [{ name: 'gpu' }] },
  resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
  volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: true, subPathExpr: '$(A)' }],
  volumeDevices: [{ name: 'b', devicePath: '/dev/b' }],
  livenessProbe: { exec: { command: ['true'] }, periodSeconds: 5, failureThreshold: 3 },
  readinessProbe: probe,
  startupProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 1 },
  lifecycle: { preStop: { sleep: { seconds: 1 } }, postStart: { exec: { command: ['true'] } } },
  securityContext: {
    runAsUser: 1000,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
  },
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  imagePullPolicy: 'IfNotPresent',
  stdin: false,
  tty: false,
};

const deployment = (container: Record<string, unknown>, pod: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd' },
  spec: {
    selector: { matchLabels: { a: 'b' } },
    template: {
      metadata: { labels: { a: 'b' } },
      spec: { containers: [container], ...pod },
    },
  },
});

describe('Container and PodSpec schemas under field validation', () => {
  it('accept every real field, nested types included', () => {
    const pod = {
      initContainers: [{ name: 'i', image: 'x', restartPolicy: 'Always' }],
      securityContext: { fsGroup: 1, sysctls: [{ name: 'a', value: 'b' }] },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] },
            ],
          },
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, podAffinityTerm: { topologyKey: 'zone', labelSelector: {} } },
          ],
        },
      },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway' },
      ],
      tolerations: [{ operator: 'Exists' }],
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['a'] }],
      dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
      volumes: [
        { name: 'v', emptyDir: {} },
        { name: 'p', persistentVolumeClaim: { claimName: 'c' } },
      ],
      enableServiceLinks: false,
      os: { name: 'linux' },
    };
    expect(fieldProblems(deployments, deployment(fullContainer, pod))).toEqual([]);
  });

  it('reports unknown fields inside a container with their full path, as Kubernetes does', () => {
    const bad = {
      ...fullContainer,
      bogus: 1,
      readinessProbe: { ...probe, httpGet: { ...probe.httpGet, portz: 1 } },
      securityContext: { privilegedz: true },
      env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'x', extra: 1 } } }],
    };
    expect(fieldProblems(deployments, deployment(bad, { nodeSelectorz: {} }))).toEqual([
      'unknown field "spec.template.spec.containers[0].env[0].valueFrom.fieldRef.extra"',
      'unknown field "spec.template.spec.containers[0].readinessProbe.httpGet.portz"',
      'unknown field "spec.template.spec.containers[0].securityContext.privilegedz"',
      'unknown field "spec.template.spec.containers[0].bogus"',
      'unknown field "spec.template.spec.nodeSelectorz"',
    ]);
  });
});

describe('protobuf schemas with Kubernetes field numbers', () => {
  it('decode a container probe, lifecycle hook and security context', () => {
    const container = [
      ...len(1, 'c'),
      ...len(10, [...len(1, [...len(1, [...len(1, 'true')])]), ...int(4, 5)]), // livenessProbe.exec, period
      ...len(12, [...len(2, [...len(4, [...int(1, 2)])])]), // lifecycle.preStop.sleep
      ...len(15, [...len(1, [...len(2, 'ALL')]), ...int(4, 0)]), // capabilities.drop, runAsUser
      ...len(23, [...len(1, 'cpu'), ...len(2, 'NotRequired')]),
    ];
    const pod = envelope('v1', 'Pod', [...len(2, [...len(2, container)])]);
    expect(decodeKubeProtobuf(pod)).toMatchObject({
      spec: {
        containers: [
          {
            name: 'c',
            livenessProbe: { exec: { command: ['true'] }, periodSeconds: 5 },
            lifecycle: { preStop: { sleep: { seconds: 2 } } },
            securityContext: { capabilities: { drop: ['ALL'] }, runAsUser: 0 },
            resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
          },
        ],
      },
    });
  });

  it('decode an Ingress as kubectl create ingress --rule=a.example/p=svc:80 sends it', () => {
    const backend = [...len(4, [...len(1, 'svc'), ...len(2, [...int(2, 80)])])];
    const path = [...len(1, '/p'), ...len(2, backend), ...len(3, 'Exact')];
    const rule = [...len(1, 'a.example'), ...len(2, [...len(1, [...len(1, path)])])];
    const spec = [...len(3, rule), ...len(2, [...len(1, 'a.example'), ...len(2, 'tls')])];
    const body = envelope('networking.k8s.io/v1', 'Ingress', [
      ...len(1, [...len(1, 'ing')]),
      ...len(2, spec),
      ...len(3, [...len(1, [])]),
    ]);
    expect(decodeKubeProtobuf(body)).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'ing' },
      spec: {
        rules: [
          {
            host: 'a.example',
            http: {
              paths: [
                {
                  path: '/p',
                  pathType: 'Exact',
                  backend: { service: { name: 'svc', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
        tls: [{ hosts: ['a.example'], secretName: 'tls' }],
      },
      status: { loadBalancer: {} },
    });
  });
});
