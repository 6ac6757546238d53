import type { PromotionRequest, ReplicationPolicy } from '../apis/registry-types.js';

/** Glob match: `*` within a path segment, `**` across segments. */
export function globMatch(pattern: string, value: string): boolean {
  const escape = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const re = pattern
    .split('**')
    .map((part) => part.split('*').map(escape).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${re}$`).test(value);
}

/** The policy that allows copying `repository` (`tag`) from `from` to `to`, if any. */
export function findPolicy(
  policies: ReplicationPolicy[],
  from: string,
  to: string,
  repository: string,
  tag?: string,
): ReplicationPolicy | undefined {
  return policies.find((p) => {
    const forward = p.spec.source === from && p.spec.target === to;
    const backward = p.spec.mode === 'TwoWay' && p.spec.source === to && p.spec.target === from;
    if (!forward && !backward) return false;
    if (
      (p.spec.repositories ?? []).length > 0 &&
      !(p.spec.repositories ?? []).some((g) => globMatch(g, repository))
    ) {
      return false;
    }
    if (
      tag !== undefined &&
      (p.spec.tags ?? []).length > 0 &&
      !(p.spec.tags ?? []).some((g) => globMatch(g, tag))
    ) {
      return false;
    }
    return true;
  });
}

/** Registries a push to `registry` should be replicated to, with the policy allowing each. */
export function targetsFor(
  policies: ReplicationPolicy[],
  registry: string,
  repository: string,
  tag?: string,
): { to: string; policy: ReplicationPolicy }[] {
  const out: { to: string; policy: ReplicationPolicy }[] = [];
  for (const p of policies) {
    const to =
      p.spec.source === registry
        ? p.spec.target
        : p.spec.mode === 'TwoWay' && p.spec.target === registry
          ? p.spec.source
          : undefined;
    if (to && findPolicy([p], registry, to, repository, tag)) out.push({ to, policy: p });
  }
  return out;
}

/** The policy that allows the copy a PromotionRequest asks for, if any. */
export function policyForRequest(
  policies: ReplicationPolicy[],
  pr: PromotionRequest,
): ReplicationPolicy | undefined {
  return findPolicy(
    policies,
    pr.spec.from,
    pr.spec.to,
    pr.spec.image.repository,
    pr.spec.image.tag,
  );
}
