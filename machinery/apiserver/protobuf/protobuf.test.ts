import { describe, expect, it } from 'vitest';
import { BadRequestError, UnsupportedMediaTypeError } from '../../errors/index.js';
import { decodeKubeProtobuf } from './index.js';
import { envelope, int, len } from '../../testing/protobuf-encoder.js';

/** Request bodies real kubectl v1.32.4 sent (captured from its `-v=10` log), as hex. */
const kubectlBodies = {
  /** `kubectl create namespace x` */
  createNamespace:
    '6b3873000a0f0a02763112094e616d65737061636512190a110a017812001a0022002a0032003800' +
    '420012001a020a001a002200',
  /** `kubectl create configmap cm1 --from-literal=a=b --from-literal=c=d` */
  createConfigMap:
    '6b3873000a0f0a0276311209436f6e6669674d617012250a130a03636d3112001a0022002a003200' +
    '3800420012060a016112016212060a01631201641a002200',
  /** `kubectl create configmap cmb --from-file=bin=<00 01 ff>` */
  createConfigMapFromFile:
    '6b3873000a0f0a0276311209436f6e6669674d617012210a130a03636d6212001a0022002a003200' +
    '380042001a0a0a0362696e12030001ff1a002200',
  /** `kubectl create secret generic s2 --type=Opaque --from-file=bin=<00 01 ff>` */
  createSecretTyped:
    '6b3873000a0c0a027631120653656372657412280a120a02733212001a0022002a00320038004200' +
    '120a0a0362696e12030001ff1a064f70617175651a002200',
  /** `kubectl create deployment d1 --image=nginx:1 --replicas=2 --port=80` */
  createDeployment:
    '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b6010a1d0a02643112001a00' +
    '22002a003200380042005a090a03617070120264311286010802120b0a090a03617070120264311a' +
    '6d0a1b0a0012001a0022002a003200380042005a090a0361707012026431124e12300a056e67696e' +
    '7812076e67696e783a312a00320a0a001000185022002a0042006a007200800100880100900100a2' +
    '01001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c' +
    '0800100018002000280038001a002200',
  /** `kubectl create service nodeport np1 --tcp=80:8080 --node-port=30080` */
  createServiceNodePort:
    '6b3873000a0d0a027631120753657276696365126a0a1f0a036e703112001a0022002a0032003800' +
    '42005a0a0a0361707012036e703112430a1d0a0738302d3830383012035443501850220708001090' +
    '3f1a002880eb01120a0a0361707012036e70311a0022084e6f6465506f72743a00420052005a0060' +
    '0068001a020a001a002200',
  /** `kubectl create serviceaccount sa1` */
  createServiceAccount:
    '6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022' +
    '002a003200380042001a002200',
  /** `kubectl create job j1 --image=busybox -- echo hi` */
  createJob:
    '6b3873000a0f0a0862617463682f763112034a6f621284010a120a026a3112001a0022002a003200' +
    '38004200126432620a100a0012001a0022002a00320038004200124e122b0a026a31120762757379' +
    '626f781a046563686f1a0268692a0042006a007200800100880100900100a201001a054e65766572' +
    '320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200',
  /** `kubectl create token sa1 --duration=10m --audience=a1` */
  createToken:
    '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e52' +
    '65717565737412210a100a0012001a0022002a0032003800420012070a02613120d8041a040a0012' +
    '001a002200',
  /** `kubectl auth can-i create pods` */
  authCanI:
    '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c66537562' +
    '6a656374416363657373526576696577123f0a100a0012001a0022002a0032003800420012210a1f' +
    '0a0764656661756c7412066372656174651a0022002a04706f647332003a001a08080012001a0020' +
    '001a002200',
};

const decode = (hex: string): Record<string, unknown> =>
  decodeKubeProtobuf(Buffer.from(hex, 'hex'));

describe('decodeKubeProtobuf with bodies kubectl sent', () => {
  it('create namespace, serviceaccount', () => {
    expect(decode(kubectlBodies.createNamespace)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'x' },
      spec: {},
      status: {},
    });
    expect(decode(kubectlBodies.createServiceAccount)).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'sa1' },
    });
  });

  it('create configmap (data, binaryData) and secret (bytes are base64, as in JSON)', () => {
    expect(decode(kubectlBodies.createConfigMap)).toMatchObject({
      metadata: { name: 'cm1' },
      data: { a: 'b', c: 'd' },
    });
    expect(decode(kubectlBodies.createConfigMapFromFile)).toMatchObject({
      binaryData: { bin: 'AAH/' },
    });
    expect(decode(kubectlBodies.createSecretTyped)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's2' },
      data: { bin: 'AAH/' },
      type: 'Opaque',
    });
  });

  it('create deployment: replicas, selector, pod template with ports', () => {
    expect(decode(kubectlBodies.createDeployment)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd1', labels: { app: 'd1' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'd1' } },
        template: {
          metadata: { labels: { app: 'd1' } },
          spec: {
            containers: [
              { name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80 }], resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it('create service nodeport: ports with IntOrString targetPort and nodePort', () => {
    expect(decode(kubectlBodies.createServiceNodePort)).toMatchObject({
      kind: 'Service',
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
        selector: { app: 'np1' },
        type: 'NodePort',
      },
    });
  });

  it('create job, create token, auth can-i', () => {
    expect(decode(kubectlBodies.createJob)).toMatchObject({
      apiVersion: 'batch/v1',
      spec: {
        template: {
          spec: { containers: [{ command: ['echo', 'hi'] }], restartPolicy: 'Never' },
        },
      },
    });
    expect(decode(kubectlBodies.createToken)).toMatchObject({
      kind: 'TokenRequest',
      spec: { audiences: ['a1'], expirationSeconds: 600 },
    });
    expect(decode(kubectlBodies.authCanI)).toMatchObject({
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
    });
  });
});

describe('decodeKubeProtobuf RBAC and policy kinds', () => {
  it('decodes a RoleBinding (kubectl create rolebinding)', () => {
    const subject = [...len(1, 'User'), ...len(2, 'rbac.authorization.k8s.io'), ...len(3, 'bob')];
    const roleRef = [...len(1, 'rbac.authorization.k8s.io'), ...len(2, 'Role'), ...len(3, 'r')];
    const body = envelope('rbac.authorization.k8s.io/v1', 'RoleBinding', [
      ...len(1, len(1, 'rb')),
      ...len(2, subject),
      ...len(3, roleRef),
    ]);
    expect(decodeKubeProtobuf(body)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
    });
  });

  it('decodes a ClusterRole and a PodDisruptionBudget', () => {
    const rule = [...len(1, 'get'), ...len(1, 'list'), ...len(2, ''), ...len(3, 'pods')];
    const role = envelope('rbac.authorization.k8s.io/v1', 'ClusterRole', [
      ...len(1, len(1, 'cr')),
      ...len(2, rule),
    ]);
    expect(decodeKubeProtobuf(role)).toMatchObject({
      rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
    });
    const minAvailable = [...int(1, 0), ...int(2, 1)];
    const pdb = envelope('policy/v1', 'PodDisruptionBudget', [
      ...len(1, len(1, 'pdb')),
      ...len(2, len(1, minAvailable)),
    ]);
    expect(decodeKubeProtobuf(pdb)).toMatchObject({ spec: { minAvailable: 1 } });
  });
});

describe('decodeKubeProtobuf field types and errors', () => {
  it('keeps a pointer zero (gracePeriodSeconds: 0) and decodes Time, quantities, strings', () => {
    const eviction = envelope('policy/v1', 'Eviction', [
      ...len(1, [...len(1, 'p'), ...len(8, int(1, 1700000000))]),
      ...len(2, int(1, 0)),
    ]);
    expect(decodeKubeProtobuf(eviction)).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'p', creationTimestamp: '2023-11-14T22:13:20Z' },
      deleteOptions: { gracePeriodSeconds: 0 },
    });
    const container = [
      ...len(1, 'c'),
      ...len(8, [...len(1, [...len(1, 'cpu'), ...len(2, len(1, '500m'))])]),
    ];
    const pod = envelope('v1', 'Pod', [...len(2, [...len(2, container), ...int(4, -1)])]);
    expect(decodeKubeProtobuf(pod)).toMatchObject({
      spec: {
        containers: [{ name: 'c', resources: { limits: { cpu: '500m' } } }],
        terminationGracePeriodSeconds: -1,
      },
    });
    const port = [...int(3, 80), ...len(4, [...int(1, 1), ...len(3, 'http')])];
    expect(decodeKubeProtobuf(envelope('v1', 'Service', [...len(2, len(1, port))]))).toMatchObject({
      spec: { ports: [{ port: 80, targetPort: 'http' }] },
    });
  });

  it('decodes SubjectAccessReview extra as lists', () => {
    const spec = [
      ...len(3, 'alice'),
      ...len(4, 'devs'),
      ...len(5, [...len(1, 'scopes'), ...len(2, [...len(1, 'a'), ...len(1, 'b')])]),
    ];
    expect(
      decodeKubeProtobuf(envelope('authorization.k8s.io/v1', 'SubjectAccessReview', len(2, spec))),
    ).toMatchObject({ spec: { user: 'alice', groups: ['devs'], extra: { scopes: ['a', 'b'] } } });
  });

  it('skips unknown field numbers of every wire type', () => {
    const unknown = [
      ...int(90, 7),
      0xd9,
      0x05, // field 91, wire 1: 8 bytes follow
      ...[1, 2, 3, 4, 5, 6, 7, 8],
      0xe5,
      0x05, // field 92, wire 5: 4 bytes follow
      ...[1, 2, 3, 4],
      ...len(93, 'x'),
    ];
    expect(
      decodeKubeProtobuf(envelope('v1', 'ConfigMap', [...unknown, ...len(1, len(1, 'cm'))])),
    ).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
  });

  it('refuses malformed bodies with 400 and unknown kinds with 415 (client-go retries JSON)', () => {
    const ns = Buffer.from(kubectlBodies.createNamespace, 'hex');
    expect(() => decodeKubeProtobuf(ns.subarray(0, ns.length - 9))).toThrow(BadRequestError);
    expect(() => decodeKubeProtobuf(Buffer.from('{"kind":"Namespace"}'))).toThrow(BadRequestError);
    expect(() => decodeKubeProtobuf(envelope('v1', 'ConfigMap', [0x0b]))).toThrow(BadRequestError);
    expect(() => decodeKubeProtobuf(envelope('v1', 'ConfigMap', int(1, 5)))).toThrow(
      BadRequestError,
    );
    expect(() => decodeKubeProtobuf(envelope('example.com/v1', 'Widget', []))).toThrow(
      UnsupportedMediaTypeError,
    );
  });
});
