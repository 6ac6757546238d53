import { describe, expect, it } from 'vitest';
import { runWithLogContext } from '../log/log-context.js';
import type { KubeObject } from '../meta.js';
import {
  REQUEST_ID_FIELD,
  requestIdOf,
  takeStoredRequestId,
  withStoredRequestId,
} from './stored-request-id.js';

const obj = (): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });

describe('the stored request id', () => {
  it('round-trips through the stored JSON and is taken out when read', () => {
    const stored = runWithLogContext({ requestId: 'audit-1' }, () => withStoredRequestId(obj()));
    const json = JSON.stringify(stored);
    expect(JSON.parse(json)).toMatchObject({ [REQUEST_ID_FIELD]: 'audit-1' });
    const read = JSON.parse(json) as KubeObject;
    takeStoredRequestId(read);
    expect(read).toEqual(obj());
    expect(JSON.stringify(read)).not.toContain('requestId');
    expect(requestIdOf(read)).toBe('audit-1');
  });

  it('is not stored outside a request, and a client cannot plant one', () => {
    const planted = { ...obj(), [REQUEST_ID_FIELD]: 'forged' };
    expect(withStoredRequestId(planted)).toEqual(obj());
    const replaced = runWithLogContext({ requestId: 'real' }, () => withStoredRequestId(planted));
    expect(replaced[REQUEST_ID_FIELD]).toBe('real');
  });

  it('leaves objects stored without one alone', () => {
    const read = obj();
    takeStoredRequestId(read);
    expect(read).toEqual(obj());
    expect(requestIdOf(read)).toBeUndefined();
  });
});
