// Operator tools end to end against one hollow local federation (test/e2e/operator-tools/harness.ts):
// each part of test/e2e/operator-tools/ registers its own describe block.
import { describe, expect, it } from 'vitest';
import { dashboardTests } from './operator-tools/dashboard.js';
import { dashboardLoginTests } from './operator-tools/dashboard-login.js';
import { useOperatorToolsEnv } from './operator-tools/harness.js';
import { metricsTests } from './operator-tools/metrics.js';
import { clusterOpsTests } from './operator-tools/cluster-ops.js';
import { clusterProxyTests } from './operator-tools/cluster-proxy.js';

const env = useOperatorToolsEnv();

describe('operator-tools federation', () => {
  it('has both members joined and Ready', async () => {
    const r = await env().kubectl([
      '--context',
      'federation',
      'get',
      'clusters',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['member1=True', 'member2=True']);
  });
});

dashboardTests(env);
dashboardLoginTests(env);
clusterOpsTests(env);
metricsTests(env);
clusterProxyTests(env);
