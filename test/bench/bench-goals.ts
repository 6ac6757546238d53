/**
 * The goal each bench figure is held to, found by the figure's name: the goals of issue #15 (the
 * performance targets of the project) and, where the issue sets none, the goal a bench file states
 * for its own figure. A figure without a rule has no goal (RSS lines, p50s, the one-at-a-time
 * propagation latency, a scheduler run on a node count the issue names no target for).
 * docs/performance.md lists the same goals with the latest full-run figures.
 */

/** What a goal reads of a figure. */
export interface GoalInput {
  name: string;
  /** Our figure. */
  ours: number;
  /** Ours / the reference measured in the same run. */
  ratio: number;
}

/** A goal a figure is held to. */
export interface Goal {
  /** As printed, e.g. `≥ 1.0× dnsmasq`. */
  text: string;
  /** Where the goal is set: `issue #15` or the bench file that states it. */
  source: string;
  /** True when the figure meets the goal. */
  met: (f: GoalInput) => boolean;
}

interface GoalRule extends Goal {
  match: RegExp;
}

const ISSUE = 'issue #15';

const RULES: readonly GoalRule[] = [
  // cached answers at dnsperf -c 10 and -c 1, each vs dnsmasq forwarding the same zone (cached)
  {
    match: /^dns resolver (2 workers )?cache-hit QPS/,
    text: '≥ 1.0× dnsmasq',
    source: ISSUE,
    met: (f) => f.ratio >= 1.0,
  },
  {
    match: /^dns resolver cache-hit p99 latency/,
    text: '≤ 1.5× dnsmasq',
    source: ISSUE,
    met: (f) => f.ratio <= 1.5,
  },
  {
    match: /^dns resolver miss \(forwarded\) QPS/,
    text: '≥ 0.9× dnsmasq',
    source: ISSUE,
    met: (f) => f.ratio >= 0.9,
  },
  // the issue: federation-wide names, cached, at the rate of other cache hits (0.9: run-to-run noise)
  {
    match: /^dns clusterset cached QPS/,
    text: '≥ 0.9× other cache hits',
    source: ISSUE,
    met: (f) => f.ratio >= 0.9,
  },
  {
    match: /^dns cluster-dns .*QPS/,
    text: '≥ 0.8× dnsmasq',
    source: ISSUE,
    met: (f) => f.ratio >= 0.8,
  },
  {
    match: /^scheduler: \d+ pods on 1000 hollow nodes/,
    text: '≥ 1,000 pods/s',
    source: ISSUE,
    met: (f) => f.ours >= 1000,
  },
  {
    match: /^scheduler: \d+ pods on 5000 hollow nodes/,
    text: '≥ 500 pods/s',
    source: ISSUE,
    met: (f) => f.ours >= 500,
  },
  {
    match: /^API create throughput/,
    text: '≥ 0.5× raw etcd3 put',
    source: ISSUE,
    met: (f) => f.ratio >= 0.5,
  },
  {
    match: /^watch fan-out p99 delivery/,
    text: '< 1,000 ms',
    source: ISSUE,
    met: (f) => f.ours < 1000,
  },
  {
    match: /^pod startup p99/,
    text: '≤ 1.2× docker create+start',
    source: ISSUE,
    met: (f) => f.ratio <= 1.2,
  },
  {
    match: /^propagation: \d+ ConfigMaps/,
    text: '≥ 0.5× raw etcd put',
    source: ISSUE,
    met: (f) => f.ratio >= 0.5,
  },
  {
    match: /^propagation p99 apply/,
    text: '< 1,000 ms',
    source: ISSUE,
    met: (f) => f.ours < 1000,
  },
  // the scale test: Karmada's SLOs (distribution p99 ≤ 2 s, API call p99 ≤ 1 s) and the restart goal
  {
    match: /^scale template→present p99/,
    text: '≤ 2,000 ms',
    source: ISSUE,
    met: (f) => f.ours <= 2000,
  },
  {
    match: /^scale API (write|read) p99/,
    text: '≤ 1,000 ms',
    source: ISSUE,
    met: (f) => f.ours <= 1000,
  },
  {
    match: /^scale converge after controller manager/,
    text: '< 60 s',
    source: ISSUE,
    met: (f) => f.ours < 60,
  },
  {
    match: /^image copy/,
    text: '≤ 0.8× skopeo',
    source: ISSUE,
    met: (f) => f.ratio <= 0.8,
  },
  {
    match: /^re-copy of an unchanged image/,
    text: '≤ 0.2× skopeo fresh copy',
    source: 'registry-bench.ts',
    met: (f) => f.ratio <= 0.2,
  },
  {
    match: /^API (create|get) with authn\+RBAC\+audit/,
    text: '≥ 0.9× no auth',
    source: 'auth-bench.ts',
    met: (f) => f.ratio >= 0.9,
  },
  {
    match: /^service proxy HTTP/,
    text: '≥ 0.5× backend',
    source: 'service-proxy-bench.ts',
    met: (f) => f.ratio >= 0.5,
  },
  {
    match: /^endpoint change → served p99/,
    text: '≤ 1,000 ms',
    source: 'service-proxy-bench.ts',
    met: (f) => f.ours <= 1000,
  },
  {
    match: /^dns clusterset slice write→answer p99/,
    text: '< 1,000 ms',
    source: 'dns-clusterset-bench.ts',
    met: (f) => f.ours < 1000,
  },
];

/** The goal of the figure named `name`, or undefined when none applies. */
export function goalFor(name: string): Goal | undefined {
  return RULES.find((r) => r.match.test(name));
}

/** The figure's goal and whether it is met, or undefined when no goal applies. */
export function goalVerdict(f: GoalInput): { goal: Goal; met: boolean } | undefined {
  const goal = goalFor(f.name);
  return goal ? { goal, met: goal.met(f) } : undefined;
}
