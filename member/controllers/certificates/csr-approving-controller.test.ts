import { afterEach, describe, expect, it } from 'vitest';
import {
  CERTIFICATE_SIGNING_REQUESTS,
  KUBELET_SERVING_SIGNER,
  NODES,
  type Node,
} from '../../../api/index.js';
import { startFixture, type Fixture } from '../testing/fixture.js';
import { CsrApprovingController } from './csr-approving-controller.js';
import { testCsr, type TestCsrOptions } from '../testing/csrs.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

/** Node n1, registered at 127.0.0.9. */
const n1: Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1' },
  status: {
    addresses: [
      { type: 'InternalIP', address: '127.0.0.9' },
      { type: 'Hostname', address: 'n1' },
    ],
  },
};

async function run(o: TestCsrOptions) {
  const f = await startFixture(
    [
      [CERTIFICATE_SIGNING_REQUESTS, [testCsr('csr-1', o)]],
      [NODES, [n1]],
    ],
    (ctx) => new CsrApprovingController(ctx),
    [{ gvr: CERTIFICATE_SIGNING_REQUESTS }, { gvr: NODES }],
  );
  fx = f;
  await f.controller.reconcile('csr-1');
  return f.client.actions;
}

describe('CsrApprovingController', () => {
  it('approves a kubelet client CSR of a bootstrap token through the approval subresource', async () => {
    const actions = await run({});
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'subresource certificates.k8s.io/certificatesigningrequests csr-1/approval',
    ]);
    const body = actions[0]?.body as { status: { conditions: { type: string; reason: string }[] } };
    expect(body.status.conditions).toEqual([
      expect.objectContaining({ type: 'Approved', status: 'True', reason: 'AutoApproved' }),
    ]);
  });

  it('approves a renewal by the same node', async () => {
    const actions = await run({ username: 'system:node:n1', groups: ['system:nodes'] });
    expect(actions).toHaveLength(1);
  });

  const serving: TestCsrOptions = {
    signer: KUBELET_SERVING_SIGNER,
    usages: ['digital signature', 'server auth'],
    username: 'system:node:n1',
    groups: ['system:nodes'],
    ipSans: ['127.0.0.9'],
  };

  it("approves a node's serving CSR for its own address", async () => {
    expect(await run(serving)).toHaveLength(1);
  });

  it.each<[string, TestCsrOptions]>([
    ['another address', { ...serving, ipSans: ['127.0.0.10'] }],
    ['another node asks', { ...serving, username: 'system:node:n2' }],
    ['a bootstrap token asks', { ...serving, username: 'system:bootstrap:abcdef' }],
    ['client auth is asked for', { ...serving, usages: ['digital signature', 'client auth'] }],
  ])('leaves a serving CSR alone for %s', async (_why, o) => {
    expect(await run(o)).toEqual([]);
  });

  it.each<[string, TestCsrOptions]>([
    ['another node asks', { username: 'system:node:n2', groups: ['system:nodes'] }],
    ['a plain user asks', { username: 'alice', groups: ['devs'] }],
    ['the CN is not a node', { cn: 'admin' }],
    ['the group is system:masters', { orgs: ['system:masters'] }],
    ['extra groups', { orgs: ['system:nodes', 'system:masters'] }],
    ['server auth is asked for', { usages: ['digital signature', 'server auth'] }],
    ['SANs are asked for', { ipSans: ['127.0.0.9'] }],
    ['the signer is kubelet-serving', { signer: KUBELET_SERVING_SIGNER }],
    ['it is already approved', { approved: true }],
  ])('leaves it alone when %s', async (_why, o) => {
    expect(await run(o)).toEqual([]);
  });
});
