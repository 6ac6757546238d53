import { describe, expect, it } from 'vitest';
import { proxyRequestHeaders, proxyResponseHeaders } from './cluster-proxy-headers.js';
import { memberPath } from './cluster-proxy.js';

const carol = { name: 'carol', groups: ['ops', 'system:authenticated'] };

describe('proxyRequestHeaders', () => {
  it('drops hop-by-hop headers, credentials and impersonation and names the caller', () => {
    const out = proxyRequestHeaders(
      {
        host: 'federation:6443',
        authorization: 'Bearer caller-token',
        connection: 'keep-alive, x-private',
        'keep-alive': 'timeout=5',
        'x-private': 'secret',
        'transfer-encoding': 'chunked',
        'proxy-authorization': 'Basic x',
        te: 'trailers',
        'impersonate-user': 'root',
        'impersonate-group': ['system:masters'],
        accept: 'application/json',
        'content-type': 'application/merge-patch+json',
        'user-agent': 'kubectl',
      },
      { user: carol, token: 'federation-token' },
    );
    expect(out).toEqual({
      accept: 'application/json',
      'content-type': 'application/merge-patch+json',
      'user-agent': 'kubectl',
      authorization: 'Bearer federation-token',
      'impersonate-user': 'carol',
      'impersonate-group': ['ops'],
    });
  });

  it('sends no Authorization without a token and keeps the upgrade of an upgrade request', () => {
    const out = proxyRequestHeaders(
      {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'k',
        'sec-websocket-protocol': 'v5.channel.k8s.io',
        authorization: 'Bearer caller-token',
      },
      { user: { name: 'admin', groups: ['system:authenticated'] }, upgrade: 'websocket' },
    );
    expect(out).toEqual({
      'sec-websocket-key': 'k',
      'sec-websocket-protocol': 'v5.channel.k8s.io',
      'impersonate-user': 'admin',
      connection: 'Upgrade',
      upgrade: 'websocket',
    });
  });
});

describe('proxyResponseHeaders', () => {
  it('keeps end-to-end headers only', () => {
    expect(
      proxyResponseHeaders({
        'content-type': 'application/json',
        'audit-id': 'a1',
        connection: 'close, x-hop',
        'x-hop': '1',
        'transfer-encoding': 'chunked',
        'keep-alive': 'timeout=5',
      }),
    ).toEqual({ 'content-type': 'application/json', 'audit-id': 'a1' });
  });
});

describe('memberPath', () => {
  it('joins the endpoint base path, the proxied path and the query', () => {
    expect(memberPath(new URL('https://127.0.0.1:6443'), '/api/v1/pods', 'watch=true')).toBe(
      '/api/v1/pods?watch=true',
    );
    expect(memberPath(new URL('https://127.0.0.1:6443/k8s/'), '/version', '')).toBe('/k8s/version');
  });
});
