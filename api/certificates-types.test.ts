import { describe, expect, it } from 'vitest';
import { runAsRequestUser } from '../machinery/auth/request-user-context.js';
import {
  certificateSigningRequestType as csrType,
  csrConditionColumn,
  KUBELET_CLIENT_SIGNER,
  type CertificateSigningRequest,
} from './certificates-types.js';

const PEM = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';

function csr(): CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'c1' },
    spec: {
      request: Buffer.from(PEM).toString('base64'),
      signerName: KUBELET_CLIENT_SIGNER,
      usages: ['client auth'],
      username: 'system:masters-impostor',
      groups: ['system:masters'],
    },
  };
}

describe('CertificateSigningRequest type', () => {
  it('stamps the requester from the authenticated user, never from the body', async () => {
    const o = csr();
    await runAsRequestUser(
      { name: 'system:bootstrap:abc', groups: ['system:bootstrappers'] },
      () => {
        csrType.admit?.(o, { user: 'system:bootstrap:abc', operation: 'CREATE' });
        return Promise.resolve();
      },
    );
    expect(o.spec.username).toBe('system:bootstrap:abc');
    expect(o.spec.groups).toEqual(['system:bootstrappers']);
  });

  it('validates request, signer, usages and expiration', () => {
    const o = csr();
    o.spec.request = 'bm90IGEgY3Ny';
    o.spec.signerName = 'nope';
    o.spec.usages = ['client auth', 'flying' as never];
    o.spec.expirationSeconds = 10;
    expect(csrType.validate?.(o, undefined).map((c) => c.field)).toEqual([
      'spec.request',
      'spec.signerName',
      'spec.expirationSeconds',
      'spec.usages[1]',
    ]);
    expect(csrType.validate?.(csr(), undefined)).toEqual([]);
  });

  it('keeps spec on every update and decisions on status updates', () => {
    const old = csr();
    old.status = { conditions: [{ type: 'Approved', status: 'True' }] };
    const next = structuredClone(old);
    next.spec.signerName = 'example.com/other';
    next.status = { conditions: [], certificate: 'Y2VydA==' };
    csrType.admitUpdate?.(next, old, { operation: 'UPDATE', user: 'x', subresource: 'status' });
    expect(next.spec.signerName).toBe(KUBELET_CLIENT_SIGNER);
    expect(next.status?.conditions).toEqual([{ type: 'Approved', status: 'True' }]);
    expect(csrConditionColumn(next)).toBe('Approved,Issued');
  });

  it('lets approval add a decision but not remove one, and refuses signing unapproved', () => {
    const old = csr();
    const approve = structuredClone(old);
    approve.status = { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'eA==' };
    csrType.admitUpdate?.(approve, old, {
      operation: 'UPDATE',
      user: 'x',
      subresource: 'approval',
    });
    // approval writes only the conditions
    expect(approve.status).toEqual({ conditions: [{ type: 'Approved', status: 'True' }] });
    const undo = structuredClone(approve);
    undo.status = { conditions: [] };
    expect(() =>
      csrType.admitUpdate?.(undo, approve, {
        operation: 'UPDATE',
        user: 'x',
        subresource: 'approval',
      }),
    ).toThrow(/cannot be removed/);
    const signed = structuredClone(old);
    signed.status = { certificate: 'eA==' };
    expect(csrType.validate?.(signed, old).map((c) => c.field)).toEqual(['status.certificate']);
  });
});
