import { describe, expect, it } from 'vitest';
import type { Kubeconfig } from '../../../machinery/client/kubeconfig.js';
import { setContext } from './config.js';

const empty: Kubeconfig = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [],
  users: [],
  contexts: [],
};

describe('setContext', () => {
  it('creates cluster, user and context from --server/--token and makes the first one current', () => {
    const cfg = setContext(empty, 'fed', { server: 'http://127.0.0.1:6443', token: 't' });
    expect(cfg.clusters).toEqual([{ name: 'fed', cluster: { server: 'http://127.0.0.1:6443' } }]);
    expect(cfg.users).toEqual([{ name: 'fed', user: { token: 't' } }]);
    expect(cfg.contexts).toEqual([{ name: 'fed', context: { cluster: 'fed', user: 'fed' } }]);
    expect(cfg['current-context']).toBe('fed');
  });

  it('changes only the namespace of an existing context', () => {
    const cfg = setContext(setContext(empty, 'fed', { server: 'http://a' }), 'fed', {
      namespace: 'team',
    });
    expect(cfg.contexts).toEqual([
      { name: 'fed', context: { cluster: 'fed', user: 'fed', namespace: 'team' } },
    ]);
  });

  it('refuses a new context without a cluster', () => {
    expect(() => setContext(empty, 'x', { namespace: 'n' })).toThrow(/give --server/);
    expect(() => setContext(empty, 'x', { cluster: 'nope' })).toThrow(
      /no cluster entry named "nope"/,
    );
  });
});
