// The federation's cluster proxy on the operator-tools federation: examples/clusters-proxy.sh
// (get pods across member1 and member2 with the CLUSTER column, logs, exec and its exit code,
// kubectl get --raw through the proxy), then the CLI and kubectl against the proxy directly,
// alice (no clusters/proxy at the federation) refused, and clear errors for bad input.
import { describe, expect, it } from 'vitest';
import type { OperatorToolsEnv } from './harness.js';

const PROXY = '/apis/cluster.flotilla.io/v1alpha1/clusters';

/** Registers the cluster proxy tests. */
export function clusterProxyTests(env: () => OperatorToolsEnv): void {
  // flotilla reads $FLOTILLA_KUBECONFIG, not $KUBECONFIG: name the set-up's kubeconfig
  const flotilla = (args: string[]): ReturnType<OperatorToolsEnv['flotilla']> =>
    env().flotilla(['--kubeconfig', env().kubeconfig, '--context', 'federation', ...args]);
  describe('cluster proxy', () => {
    it('examples/clusters-proxy.sh: get across members, logs, exec, get --raw', async () => {
      const r = await env().example('clusters-proxy.sh');
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const out = r.stdout;
      expect(out).toMatch(/^CLUSTER\s+NAMESPACE\s+NAME\s+READY\s+STATUS\s+/m);
      expect(out).toMatch(/^member1\s+default\s+proxy-demo-\d+\s+1\/1\s+Running\s/m);
      expect(out).toMatch(/^member2\s+default\s+proxy-demo-\d+\s+1\/1\s+Running\s/m);
      // hollow containers log one line and answer exec with the command line
      expect(out).toContain('hollow container started: main\n');
      expect(out).toContain('echo hello from member1\n');
      expect(out).toContain('exit code 3\n');
      expect(out).toMatch(/"gitVersion":\s*"v1\.\d+/);
      expect(out).toMatch(/cluster proxy demo done\n$/);
    });

    it('lists the nodes of both members and serves kubectl get --raw', async () => {
      const r = await flotilla(['get', 'nodes', '--clusters', 'member1,member2', '-o', 'name']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(
        [
          'member1/node/member1-node-1',
          'member1/node/member1-node-2',
          'member2/node/member2-node-1',
          'member2/node/member2-node-2',
          '',
        ].join('\n'),
      );
      const table = await flotilla(['get', 'nodes', '--clusters', 'member2']);
      expect(table.stdout).toMatch(/^CLUSTER\s+NAME\s+STATUS\s+/);
      expect(table.stdout).toMatch(/^member2\s+member2-node-1\s+Ready\s/m);
      const raw = await env().kubectl([
        '--context',
        'federation',
        'get',
        '--raw',
        `${PROXY}/member2/proxy/api/v1/nodes`,
      ]);
      expect(raw.code, raw.stderr).toBe(0);
      expect(JSON.parse(raw.stdout)).toMatchObject({ kind: 'NodeList' });
    });

    it('refuses alice without clusters/proxy and reports unknown clusters', async () => {
      const alice = await env().kubectl([
        '--context',
        'federation-alice',
        'get',
        '--raw',
        `${PROXY}/member1/proxy/version`,
      ]);
      expect(alice.code).not.toBe(0);
      expect(alice.stderr).toMatch(/forbidden/i);
      const unknown = await flotilla(['get', 'pods', '--clusters', 'member1,member9']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('error: cluster "member9": ');
      expect(unknown.stderr).toContain('not found');
      const noCluster = await flotilla(['logs', 'some-pod']);
      expect(noCluster.code).toBe(2);
      expect(noCluster.stderr).toMatch(/^error: logs needs the member cluster: -C\/--cluster NAME/);
      const badSince = await flotilla(['logs', 'p', '-C', 'member1', '--since', 'soon']);
      expect(badSince.code).toBe(2);
      const noCommand = await flotilla(['exec', 'p', '-C', 'member1']);
      expect(noCommand.code).toBe(2);
      expect(noCommand.stderr).toMatch(/^error: exec needs a command/);
    });
  });
}
