import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../machinery/errors/index.js';
import {
  caBundlePem,
  isSystemUser,
  promotionRequestType,
  registryType,
  type PromotionRequest,
  type Registry,
} from './registry-types.js';

const pending = (): PromotionRequest => ({
  apiVersion: 'registry.flotilla.io/v1alpha1',
  kind: 'PromotionRequest',
  metadata: { name: 'p' },
  spec: {
    image: { repository: 'app/web', digest: `sha256:${'a'.repeat(64)}` },
    from: 'dev',
    to: 'prod',
    requester: 'alice',
  },
  status: { phase: 'Pending' },
});

const admit = (
  next: PromotionRequest,
  user: string | undefined,
  subresource: string | undefined,
): void => {
  promotionRequestType.admitUpdate?.(next, pending(), { operation: 'UPDATE', user, subresource });
};

describe('PromotionRequest update admission', () => {
  const approved = (): PromotionRequest => ({
    ...pending(),
    status: { phase: 'Approved', approvals: [] },
  });

  it('refuses phase, approvals and requester changes by users and unknown writers', () => {
    expect(() => admit(approved(), 'alice', 'status')).toThrow(ForbiddenError);
    expect(() => admit(approved(), undefined, 'status')).toThrow(ForbiddenError);
    expect(() =>
      admit({ ...pending(), spec: { ...pending().spec, requester: 'bob' } }, 'alice', undefined),
    ).toThrow(ForbiddenError);
  });

  it('lets system identities and the approval subresource move the phase', () => {
    expect(() => admit(approved(), 'system:registry-notifier', 'status')).not.toThrow();
    expect(() => admit(approved(), 'bob', 'approval')).not.toThrow();
  });

  it('lets users write what is not guarded', () => {
    const next = pending();
    next.metadata.labels = { team: 'web' };
    next.status = { phase: 'Pending', message: 'hello' };
    expect(() => admit(next, 'alice', undefined)).not.toThrow();
  });

  it('knows system users', () => {
    expect(isSystemUser('system:x')).toBe(true);
    expect(isSystemUser('alice')).toBe(false);
    expect(isSystemUser(undefined)).toBe(false);
  });
});

describe('Registry caBundle', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const reg = (spec: Partial<Registry['spec']>): Registry => ({
    apiVersion: 'registry.flotilla.io/v1alpha1',
    kind: 'Registry',
    metadata: { name: 'prod' },
    spec: { url: 'https://127.0.0.1:5000', environment: 'prod', ...spec },
  });
  const fields = (r: Registry): string[] =>
    (registryType.validate?.(r, undefined) ?? []).map((c) => c.field ?? '');

  it('takes base64-encoded PEM (as Kubernetes caBundle fields) or the PEM text', () => {
    expect(caBundlePem(Buffer.from(pem).toString('base64'))).toBe(pem);
    expect(caBundlePem(pem)).toBe(pem);
    expect(fields(reg({ caBundle: Buffer.from(pem).toString('base64') }))).toEqual([]);
    expect(fields(reg({ caBundle: pem }))).toEqual([]);
  });

  it('refuses a bundle without certificates, with http://, or next to a caBundleRef', () => {
    expect(fields(reg({ caBundle: 'bm90IGEgY2VydA==' }))).toContain('spec.caBundle');
    expect(fields(reg({ caBundle: pem, url: 'http://127.0.0.1:5000' }))).toContain('spec.url');
    expect(
      fields(reg({ caBundle: pem, caBundleRef: { kind: 'Secret', namespace: 'n', name: 'ca' } })),
    ).toContain('spec.caBundleRef');
  });
});
