// The real kubectl (v1.32) against a member-like API server (every member type, real etcd):
// `kubectl explain` reads the OpenAPI v3 documents generated from the message schemas, and
// `kubectl apply` gets server-side field validation (fieldValidation=Strict|Warn|Ignore).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberResourceTypes } from '../../api/index.js';
import { federationResourceTypes } from '../../federation/apis/federation-resource-types.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const run = promisify(execFile);
let h: ApiHarness;
let dir: string;

/** Runs kubectl with its own cache dir; returns stdout and stderr (throws on exit ≠ 0). */
async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(
    'kubectl',
    ['--kubeconfig', h.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args],
    { timeout: 30_000 },
  );
}

/** Runs kubectl expecting a non-zero exit; returns stderr. */
async function kubectlFails(...args: string[]): Promise<string> {
  try {
    await kubectl(...args);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`kubectl ${args.join(' ')} unexpectedly succeeded`);
}

function manifest(name: string, specExtra: string): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(
    p,
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
${specExtra}  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: web, image: nginx:1}]
`,
  );
  return p;
}

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  // the member's types plus the federation-only ones: both API servers serve through this machinery
  h = await startApiHarness({ resources: [...memberResourceTypes, ...federationResourceTypes] });
  dir = mkdtempSync(join(tmpdir(), 'flotilla-explain-'));
});
afterAll(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl explain', () => {
  it('explains a kind, a nested field and a kind recursively', async () => {
    const kind = (await kubectl('explain', 'deployment')).stdout;
    expect(kind).toContain('KIND:       Deployment');
    expect(kind).toMatch(/spec\s+<DeploymentSpec>/);
    expect(kind).toContain('Runs a replicated, updatable set of pods');

    const containers = (await kubectl('explain', 'deployment.spec.template.spec.containers'))
      .stdout;
    expect(containers).toMatch(/FIELD: containers <\[\]Container>/);
    expect(containers).toMatch(/name\s+<string> -required-/);
    expect(containers).toMatch(/ports\s+<\[\]ContainerPort>/);
    expect(containers).toContain('Container image to run');

    const pods = (await kubectl('explain', 'pods', '--recursive')).stdout;
    expect(pods).toMatch(/containers\s+<\[\]Container> -required-/);
    expect(pods).toMatch(/labels\s+<map\[string\]string>/);

    // the v2 document (gnostic protobuf) parses too
    const v2 = (await kubectl('explain', 'deployment.spec', '--output', 'plaintext-openapiv2'))
      .stdout;
    expect(v2).toMatch(/replicas\s+<integer>/);
  });

  it('explains kinds the server has no message schema for (federation ones too)', async () => {
    const rs = (await kubectl('explain', 'replicasets')).stdout;
    expect(rs).toContain('KIND:       ReplicaSet');
    expect(rs).toMatch(/metadata\s+<ObjectMeta>/);
    const pp = (await kubectl('explain', 'propagationpolicies')).stdout;
    expect(pp).toContain('KIND:       PropagationPolicy');
    expect(pp).toContain('GROUP:      policy.flotilla.io');
  });
});

describe('server-side field validation through kubectl apply', () => {
  it('Strict (the default) refuses a misspelled field and stores nothing', async () => {
    const err = await kubectlFails('apply', '-f', manifest('strict', '  replicaz: 2\n'));
    expect(err).toContain('strict decoding error: unknown field "spec.replicaz"');
    await kubectlFails('get', 'deployment', 'strict');
  });

  it('Strict refuses a misspelled field when the object exists (patch)', async () => {
    await kubectl('apply', '-f', manifest('patched', ''));
    const err = await kubectlFails(
      'apply',
      '-f',
      manifest('patched', '  paused: false\n  minReadySecondz: 3\n'),
    );
    expect(err).toContain('unknown field "spec.minReadySecondz"');
  });

  it('--validate=warn succeeds with a warning', async () => {
    const { stderr } = await kubectl(
      'apply',
      '--validate=warn',
      '-f',
      manifest('warned', '  replicaz: 2\n'),
    );
    expect(stderr).toContain('Warning: unknown field "spec.replicaz"');
    await kubectl('get', 'deployment', 'warned');
  });

  it('--validate=false succeeds silently', async () => {
    const { stderr } = await kubectl(
      'apply',
      '--validate=false',
      '-f',
      manifest('ignored', '  replicaz: 2\n'),
    );
    expect(stderr).not.toContain('unknown field');
    await kubectl('get', 'deployment', 'ignored');
  });

  it('accepts fields of a pod spec this server does not list', async () => {
    const p = join(dir, 'probe.yaml');
    writeFileSync(
      p,
      `apiVersion: v1
kind: Pod
metadata: {name: probe}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - name: web
    image: nginx:1
    livenessProbe: {httpGet: {path: /, port: 80}}
`,
    );
    await kubectl('apply', '-f', p);
  });
});
