import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../../machinery/apiserver/cert-authority.js';
import {
  CERTIFICATE_SIGNING_REQUESTS,
  KUBELET_SERVING_SIGNER,
  NODES,
  type CertificateSigningRequest,
  type Node,
} from '../../../api/index.js';
import { startFixture, type Fixture } from '../testing/fixture.js';
import { CsrSigningController } from './csr-signing-controller.js';
import { testCsr, type TestCsrOptions } from '../testing/csrs.js';

const ca = CertificateAuthority.create('test-ca');
let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const node: Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1' },
  status: { addresses: [{ type: 'InternalIP', address: '127.0.9.1' }] },
};

async function run(o: TestCsrOptions, signer: CertificateAuthority | null = ca) {
  const f = await startFixture(
    [
      [CERTIFICATE_SIGNING_REQUESTS, [testCsr('csr-1', { approved: true, ...o })]],
      [NODES, [node]],
    ],
    (ctx) => {
      if (signer) ctx.signer = signer;
      return new CsrSigningController(ctx);
    },
    [{ gvr: CERTIFICATE_SIGNING_REQUESTS }],
  );
  fx = f;
  const res = await f.controller.reconcile('csr-1');
  const written = f.client.actions[0]?.body as CertificateSigningRequest | undefined;
  return { actions: f.client.actions.map((a) => `${a.verb} ${a.name}`), written, res };
}

function issued(csr: CertificateSigningRequest | undefined): X509Certificate {
  return new X509Certificate(Buffer.from(csr?.status?.certificate ?? '', 'base64'));
}

describe('CsrSigningController', () => {
  it('signs an approved kubelet client CSR with the cluster CA, keeping its subject', async () => {
    const { actions, written } = await run({});
    expect(actions).toEqual(['updateStatus csr-1']);
    const cert = issued(written);
    expect(cert.subject.split('\n')).toEqual(['CN=system:node:n1', 'O=system:nodes']);
    expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
  });

  it('signs a serving CSR for the addresses of the node', async () => {
    const { written } = await run({
      signer: KUBELET_SERVING_SIGNER,
      usages: ['digital signature', 'server auth'],
      ipSans: ['127.0.9.1'],
    });
    const cert = issued(written);
    expect(cert.checkIP('127.0.9.1')).toBe('127.0.9.1');
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
  });

  it('fails a serving CSR for an address the node does not have', async () => {
    const { written } = await run({
      signer: KUBELET_SERVING_SIGNER,
      usages: ['digital signature', 'server auth'],
      ipSans: ['127.0.9.2'],
    });
    expect(written?.status?.certificate).toBeUndefined();
    expect(written?.status?.conditions?.at(-1)).toMatchObject({
      type: 'Failed',
      reason: 'SignerValidationFailure',
    });
  });

  it('fails an approved CSR whose subject is not a node', async () => {
    const { written } = await run({ orgs: ['system:masters'] });
    expect(written?.status?.conditions?.at(-1)).toMatchObject({ type: 'Failed' });
  });

  it('leaves unapproved CSRs, and everything when it has no signer', async () => {
    expect((await run({ approved: false })).actions).toEqual([]);
    await fx?.stop();
    fx = undefined;
    expect((await run({}, null)).actions).toEqual([]);
  });
});
