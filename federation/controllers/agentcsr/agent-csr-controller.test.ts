import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CertificateSigningRequest } from '../../../api/index.js';
import { CertificateAuthority } from '../../../machinery/apiserver/cert-authority.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import type { Cluster } from '../../apis/index.js';
import { agentCsrPem } from '../../agent/agent-certificate.js';
import { AgentCsrController } from './agent-csr-controller.js';
import { AGENT_SIGNER } from './agent-csr.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ca = CertificateAuthority.create('test-federation-ca');
const key = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

function csr(
  pem: string,
  groups: string[],
  status?: CertificateSigningRequest['status'],
): CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'agent-p1-abc' },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: AGENT_SIGNER,
      usages: ['digital signature', 'client auth'],
      username: 'system:bootstrap:abcdef',
      groups,
    },
    ...(status ? { status } : {}),
  };
}

/** One CSR (and optionally a Cluster) in the caches; records the API calls. */
function fixture(obj: CertificateSigningRequest, cluster?: Cluster) {
  const actions: { verb: string; obj: CertificateSigningRequest }[] = [];
  const informer = (items: Map<string, unknown>) => ({
    get: (k: string) => items.get(k),
    list: () => [...items.values()],
    addEventHandler: () => undefined,
    waitForSync: () => Promise.resolve(),
  });
  const csrs = informer(new Map([[obj.metadata.name ?? '', obj]]));
  const clusters = informer(new Map(cluster ? [[cluster.metadata.name ?? '', cluster]] : []));
  const informers = {
    for: (gvr: { resource: string }) => (gvr.resource === 'clusters' ? clusters : csrs),
  } as unknown as InformerFactory;
  const client = {
    resource: () => ({
      subresource: (_n: string, sub: string, _m: string, body: CertificateSigningRequest) => {
        actions.push({ verb: sub, obj: body });
        return Promise.resolve(body);
      },
      updateStatus: (body: CertificateSigningRequest) => {
        actions.push({ verb: 'status', obj: body });
        return Promise.resolve(body);
      },
    }),
  } as unknown as KubeClient;
  const ctrl = new AgentCsrController({ client, informers, ca, logger: quiet });
  return { ctrl, actions };
}

const conditionOf = (o: CertificateSigningRequest | undefined): string | undefined =>
  o?.status?.conditions?.at(-1)?.type;

describe('AgentCsrController', () => {
  it('approves an agent request made with a bootstrap token', async () => {
    const { ctrl, actions } = fixture(csr(agentCsrPem(key(), 'p1'), ['system:bootstrappers']));
    await ctrl.reconcile('agent-p1-abc');
    expect(actions.map((a) => a.verb)).toEqual(['approval']);
    expect(conditionOf(actions[0]?.obj)).toBe('Approved');
  });

  it('signs an approved agent request with the federation CA', async () => {
    const approved = csr(agentCsrPem(key(), 'p1'), ['system:bootstrappers'], {
      conditions: [{ type: 'Approved', status: 'True', reason: 'AgentAutoApproved' }],
    });
    const { ctrl, actions } = fixture(approved);
    await ctrl.reconcile('agent-p1-abc');
    expect(actions.map((a) => a.verb)).toEqual(['status']);
    const cert = Buffer.from(actions[0]?.obj.status?.certificate ?? '', 'base64').toString();
    expect(cert).toContain('BEGIN CERTIFICATE');
  });

  it('denies a request for another subject, by another requester, or for a Push cluster', async () => {
    const wrong = fixture(
      csr(ca.clientCert('system:flotilla:agent:p1', ['system:masters']).cert, [
        'system:bootstrappers',
      ]),
    );
    // not even a CSR (a certificate): malformed requests are denied too
    await wrong.ctrl.reconcile('agent-p1-abc');
    expect(conditionOf(wrong.actions[0]?.obj)).toBe('Denied');
    const byUser = fixture(csr(agentCsrPem(key(), 'p1'), ['devs']));
    await byUser.ctrl.reconcile('agent-p1-abc');
    expect(conditionOf(byUser.actions[0]?.obj)).toBe('Denied');
    const push: Cluster = {
      apiVersion: 'cluster.flotilla.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'p1' },
      spec: {
        syncMode: 'Push',
        apiEndpoint: 'https://127.0.0.1:1',
        secretRef: { namespace: 'flotilla-system', name: 's' },
      },
    };
    const forPush = fixture(csr(agentCsrPem(key(), 'p1'), ['system:bootstrappers']), push);
    await forPush.ctrl.reconcile('agent-p1-abc');
    expect(conditionOf(forPush.actions[0]?.obj)).toBe('Denied');
  });

  it('leaves requests of other signers and finished requests alone', async () => {
    const other = csr(agentCsrPem(key(), 'p1'), ['system:bootstrappers']);
    other.spec.signerName = 'kubernetes.io/kube-apiserver-client';
    const a = fixture(other);
    await a.ctrl.reconcile('agent-p1-abc');
    const issued = fixture(
      csr(agentCsrPem(key(), 'p1'), ['system:bootstrappers'], { certificate: 'eA==' }),
    );
    await issued.ctrl.reconcile('agent-p1-abc');
    expect([...a.actions, ...issued.actions]).toEqual([]);
  });
});
