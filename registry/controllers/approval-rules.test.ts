import { describe, expect, it } from 'vitest';
import type { PromotionRequest, ReplicationPolicy } from '../apis/registry-types.js';
import { approverRole, effectiveApproval } from './approval-rules.js';

const policy = (approvers?: { role: string; users: string[] }[]): ReplicationPolicy => ({
  apiVersion: 'registry.flotilla.io/v1alpha1',
  kind: 'ReplicationPolicy',
  metadata: { name: 'p' },
  spec: {
    source: 'dev',
    target: 'prod',
    requiresApproval: true,
    ...(approvers ? { approvers } : {}),
  },
});

const request = (
  requester: string,
  approvals: { user: string; role: string; decision: 'approve' | 'reject' }[],
): PromotionRequest => ({
  apiVersion: 'registry.flotilla.io/v1alpha1',
  kind: 'PromotionRequest',
  metadata: { name: 'r' },
  spec: {
    image: { repository: 'app/web', digest: 'sha256:x' },
    from: 'dev',
    to: 'prod',
    requester,
  },
  status: { phase: 'Approved', approvals: approvals.map((a) => ({ ...a, time: 't' })) },
});

describe('approval rules', () => {
  it('a policy with approvers narrows; without approvers it leaves the decision to authorization', () => {
    const p = policy([{ role: 'release-manager', users: ['bob'] }]);
    expect(approverRole(p, 'bob')).toBe('release-manager');
    expect(approverRole(p, 'bob', 'release-manager')).toBe('release-manager');
    expect(approverRole(p, 'bob', 'other')).toBeUndefined();
    expect(approverRole(p, 'alice')).toBeUndefined();
    expect(approverRole(policy(), 'alice')).toBe('approver');
  });

  it('an approval counts only when it is the last decision, by an approver who is not the requester', () => {
    const p = policy([{ role: 'rm', users: ['alice', 'bob'] }]);
    expect(
      effectiveApproval(request('alice', [{ user: 'bob', role: 'rm', decision: 'approve' }]), p)
        ?.user,
    ).toBe('bob');
    expect(
      effectiveApproval(request('alice', [{ user: 'alice', role: 'rm', decision: 'approve' }]), p),
    ).toBeUndefined();
    expect(
      effectiveApproval(request('alice', [{ user: 'carol', role: 'rm', decision: 'approve' }]), p),
    ).toBeUndefined();
    expect(
      effectiveApproval(
        request('alice', [
          { user: 'bob', role: 'rm', decision: 'approve' },
          { user: 'bob', role: 'rm', decision: 'reject' },
        ]),
        p,
      ),
    ).toBeUndefined();
    expect(effectiveApproval(request('alice', []), p)).toBeUndefined();
  });
});
