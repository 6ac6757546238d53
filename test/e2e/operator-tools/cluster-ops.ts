// Cluster operations on the operator-tools federation: examples/cluster-ops.sh (top clusters,
// cordon member2 → a new divided Deployment avoids it, uncordon → spread again, a bootstrap
// token with its register command), and the CLI's errors for bad input.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OperatorToolsEnv } from './harness.js';

const TOP_ROW = (name: string): RegExp =>
  new RegExp(
    `^${name}\\s+True\\s+2\\s+\\d+m?/\\d+\\s+\\d+%\\s+(0|\\d+(\\.\\d)?[MG]i)/\\d+(\\.\\d)?Gi\\s+\\d+%\\s+\\d+/\\d+$`,
    'm',
  );

/** Registers the cluster operations tests. */
export function clusterOpsTests(env: () => OperatorToolsEnv): void {
  // flotilla reads $FLOTILLA_KUBECONFIG, not $KUBECONFIG: name the set-up's kubeconfig
  const flotilla = (args: string[]): ReturnType<OperatorToolsEnv['flotilla']> =>
    env().flotilla(['--kubeconfig', env().kubeconfig, '--context', 'federation', ...args]);
  describe('cluster operations', () => {
    it('examples/cluster-ops.sh: cordon keeps a new Deployment off member2, uncordon, top, token', async () => {
      const r = await env().example('cluster-ops.sh');
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const out = r.stdout;
      expect(out).toMatch(
        /^NAME\s+READY\s+NODES\s+CPU\(REQUESTED\/ALLOCATABLE\)\s+CPU%\s+MEMORY\(REQUESTED\/ALLOCATABLE\)\s+MEMORY%\s+PODS$/m,
      );
      expect(out).toMatch(TOP_ROW('member1'));
      expect(out).toMatch(TOP_ROW('member2'));
      expect(out).toContain('cluster/member2 cordoned\n');
      expect(out).toMatch(/ops-demo-\d+ avoids the cordoned member2: member1\(4\)\n/);
      expect(out).toContain('cluster/member2 uncordoned\n');
      expect(out).toMatch(/ops-demo-\d+ is spread again: member1\(2\),member2\(2\)\n/);
      const reg =
        /^flotilla register CLUSTER_NAME --federation (https:\/\/127\.0\.0\.1:\d+) --token ([a-z0-9]{6})\.[a-z0-9]{16} --ca-file (\S+) --member-kubeconfig MEMBER_KUBECONFIG$/m.exec(
          out,
        );
      expect(reg, out).not.toBeNull();
      expect(existsSync(reg?.[3] ?? '')).toBe(true);
      expect(out).toMatch(
        new RegExp(`^${reg?.[2] ?? 'x'}\\s+\\d+m\\s+\\S+Z\\s+authentication\\s`, 'm'),
      );
      expect(out).toContain(`bootstrap token "${reg?.[2] ?? ''}" deleted\n`);
      expect(out).toMatch(/cluster operations done\n$/);
      // the script leaves the federation as it found it
      const c = await flotilla(['get', 'clusters', 'member2', '-o', 'json']);
      expect((JSON.parse(c.stdout) as { spec: { taints?: unknown } }).spec.taints).toBeUndefined();
    });

    it('top clusters -o json, top nodes|pods across members, and clear errors', async () => {
      const top = await flotilla(['top', 'clusters', '-o', 'json']);
      expect(top.code, top.stderr).toBe(0);
      const items = (
        JSON.parse(top.stdout) as { items: { name: string; memory: { allocatable: number } }[] }
      ).items;
      expect(items.map((i) => i.name)).toEqual(['member1', 'member2']);
      for (const i of items) expect(i.memory.allocatable).toBeGreaterThan(0);
      // live usage from the members' metrics.k8s.io, through the cluster proxy
      const nodes = await flotilla(['top', 'nodes']);
      expect(nodes.code, nodes.stderr).toBe(0);
      expect(nodes.stdout).toMatch(
        /^CLUSTER\s+NAME\s+CPU\(CORES\)\s+CPU%\s+MEMORY\(BYTES\)\s+MEMORY%\n(member1\s+member1-node-\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\n){2}(member2\s+member2-node-\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\n){2}$/,
      );
      const pods = await flotilla(['top', 'pods', '-A', '--clusters', 'member1,member9']);
      expect(pods.code).toBe(1);
      expect(pods.stderr).toMatch(/^error: cluster "member9": /m);
      const bad = await flotilla(['taint', 'member1', 'k=v:Sometimes']);
      expect(bad).toMatchObject({ code: 2 });
      expect(bad.stderr).toMatch(/^error: invalid taint effect "Sometimes"/);
      const unknown = await flotilla(['cordon', 'member9']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^error: .*"member9" not found\n$/);
      const completion = await flotilla(['completion', 'bash']);
      expect(completion.stdout).toContain('complete -o default -F _flotilla flotilla');
    });
  });
}
