import { describe, expect, it } from 'vitest';
import {
  CONFIGMAPS,
  SECRETS,
  type ConfigMap,
  type Container,
  type Pod,
  type Secret,
} from '../../api/index.js';
import { FakeKubeClient } from '../controllers/testing/fake-kube-client.js';
import { ContainerEnvResolver } from './container-env.js';
import { CreateContainerConfigError } from './errors/create-container-config-error.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const cm: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'default' },
  data: { MODE: 'blue', 'log.level': 'debug', '1bad': 'skipped' },
};
const secret: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'default' },
  data: { password: b64('s3cret'), USER: b64('admin') },
};

function pod(c: Partial<Container>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'uid-p', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'busybox:1', ...c }] },
  };
}

function resolver(seed = true): { r: ContainerEnvResolver; client: FakeKubeClient } {
  const client = new FakeKubeClient();
  if (seed) {
    client.seed(CONFIGMAPS, cm);
    client.seed(SECRETS, secret);
  }
  return {
    r: new ContainerEnvResolver({ client, nodeName: 'n1', nodeAddress: '127.0.5.1' }),
    client,
  };
}

async function resolve(c: Partial<Container>, seed = true): Promise<Record<string, string>> {
  const p = pod(c);
  const first = p.spec.containers[0];
  if (!first) throw new Error('no container');
  return resolver(seed).r.resolve(p, first, '127.128.0.2');
}

async function configError(
  c: Partial<Container>,
  seed = true,
): Promise<CreateContainerConfigError> {
  const err = await resolve(c, seed).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CreateContainerConfigError);
  return err as CreateContainerConfigError;
}

describe('ContainerEnvResolver', () => {
  it('reads values, the downward API, ConfigMap and Secret keys, with $(VAR) expansion', async () => {
    expect(
      await resolve({
        env: [
          { name: 'PLAIN', value: 'x' },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
          { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          { name: 'URL', value: 'http://$(POD):$(PASS)@x/$(UNKNOWN)/$$(POD)' },
        ],
      }),
    ).toEqual({
      PLAIN: 'x',
      POD: 'p',
      NS: 'default',
      IP: '127.128.0.2',
      HOST: '127.0.5.1',
      NODE: 'n1',
      APP: 'web',
      MODE: 'blue',
      PASS: 's3cret',
      URL: 'http://p:s3cret@x/$(UNKNOWN)/$(POD)',
    });
  });

  it('imports envFrom with prefixes, skips invalid names, and lets env override', async () => {
    expect(
      await resolve({
        envFrom: [
          { configMapRef: { name: 'cfg' } },
          { prefix: 'DB_', secretRef: { name: 'creds' } },
        ],
        env: [{ name: 'MODE', value: 'green' }],
      }),
    ).toEqual({
      MODE: 'green',
      'log.level': 'debug',
      DB_password: 's3cret',
      DB_USER: 'admin',
    });
  });

  it('leaves optional references unset when the object or key is missing', async () => {
    expect(
      await resolve(
        {
          envFrom: [{ configMapRef: { name: 'cfg', optional: true } }],
          env: [
            {
              name: 'A',
              valueFrom: { configMapKeyRef: { name: 'cfg', key: 'x', optional: true } },
            },
            { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'x', optional: true } } },
          ],
        },
        false,
      ),
    ).toEqual({});
  });

  it('fails with CreateContainerConfigError on a missing required object or key', async () => {
    expect(
      (await configError({ envFrom: [{ secretRef: { name: 'creds' } }] }, false)).message,
    ).toBe('secret "creds" not found');
    expect(
      (
        await configError(
          { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }] },
          true,
        )
      ).message,
    ).toBe("couldn't find key nope in ConfigMap default/cfg");
    const err = await configError(
      { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'other', key: 'k' } } }] },
      true,
    );
    expect(err.message).toBe('configmap "other" not found');
    expect([err.namespace, err.pod, err.container]).toEqual(['default', 'p', 'c']);
  });

  it('reads each object once per container', async () => {
    const { r, client } = resolver();
    const reads: string[] = [];
    const get = client.resource.bind(client);
    client.resource = ((gvr, ns) => {
      const rc = get(gvr, ns);
      return { ...rc, get: (n: string) => (reads.push(`${gvr.resource}/${n}`), rc.get(n)) };
    }) as typeof client.resource;
    const p = pod({
      envFrom: [{ configMapRef: { name: 'cfg' } }],
      env: [{ name: 'M', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } }],
    });
    const first = p.spec.containers[0];
    if (!first) throw new Error('no container');
    expect((await r.resolve(p, first, '127.128.0.2')).M).toBe('blue');
    expect(reads).toEqual(['configmaps/cfg']);
  });
});
