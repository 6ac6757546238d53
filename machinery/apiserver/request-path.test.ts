import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors/index.js';
import { parseResourcePath } from './request-path.js';

const served = new Set(['pods', 'clusters', 'nodes']);
const parse = (path: string): ReturnType<typeof parseResourcePath> =>
  parseResourcePath(path, (_g, _v, r) => served.has(r));

describe('parseResourcePath', () => {
  it('parses resources, names and subresources', () => {
    expect(parse('/api/v1/namespaces/default/pods/web/log')).toEqual({
      group: '',
      version: 'v1',
      namespace: 'default',
      resource: 'pods',
      name: 'web',
      subresource: 'log',
    });
    expect(parse('/api/v1/namespaces/default/pods/web/log/extra')).toBeUndefined();
  });

  it('keeps the trailing path of a proxy subresource as sent', () => {
    expect(
      parse('/apis/cluster.flotilla.io/v1alpha1/clusters/m1/proxy/api/v1/namespaces/a%2Fb/pods'),
    ).toEqual({
      group: 'cluster.flotilla.io',
      version: 'v1alpha1',
      namespace: undefined,
      resource: 'clusters',
      name: 'm1',
      subresource: 'proxy',
      proxyPath: '/api/v1/namespaces/a%2Fb/pods',
    });
    expect(parse('/apis/cluster.flotilla.io/v1alpha1/clusters/m1/proxy')).toMatchObject({
      name: 'm1',
      subresource: 'proxy',
      proxyPath: '/',
    });
    // a namespaced resource's proxy keeps its namespace
    expect(parse('/api/v1/namespaces/ns/pods/web/proxy/healthz')).toMatchObject({
      namespace: 'ns',
      resource: 'pods',
      name: 'web',
      subresource: 'proxy',
      proxyPath: '/healthz',
    });
  });

  it('sets no proxy path for other subresources', () => {
    expect(parse('/apis/cluster.flotilla.io/v1alpha1/clusters/m1/status')).not.toHaveProperty(
      'proxyPath',
    );
  });

  it('refuses malformed escapes', () => {
    expect(() => parse('/apis/cluster.flotilla.io/v1alpha1/clusters/m1/proxy/%zz')).toThrow(
      BadRequestError,
    );
  });
});
