import { describe, expect, it } from 'vitest';
import { cellText, mergeClusterTables, printTable, type KubeTable } from './index.js';

const pods = (rows: [string, string, string][], extra = false): KubeTable => ({
  columnDefinitions: [
    { name: 'Name', priority: 0 },
    { name: 'Status', priority: 0 },
    ...(extra ? [{ name: 'IP', priority: 1 }] : []),
    { name: 'Age', priority: 0 },
  ],
  rows: rows.map(([ns, name, status]) => ({
    cells: extra ? [name, status, '10.0.0.1', '5m'] : [name, status, '5m'],
    object: { metadata: { namespace: ns, name } },
  })),
});

describe('mergeClusterTables', () => {
  const tables = [
    { cluster: 'member1', table: pods([['default', 'web', 'Running']], true) },
    { cluster: 'member2', table: pods([['kube-system', 'dns', 'Pending']]) },
  ];

  it('puts CLUSTER (and NAMESPACE with -A) first and hides wide columns', () => {
    const t = mergeClusterTables(tables, { wide: false, namespace: true });
    expect(printTable(t.headers, t.rows)).toBe(
      'CLUSTER   NAMESPACE     NAME   STATUS    AGE\n' +
        'member1   default       web    Running   5m\n' +
        'member2   kube-system   dns    Pending   5m\n',
    );
  });

  it('lines columns up by name; a column a member lacks is <none>', () => {
    const t = mergeClusterTables(tables, { wide: true, namespace: false });
    expect(t.headers).toEqual(['cluster', 'Name', 'Status', 'IP', 'Age']);
    expect(t.rows).toEqual([
      ['member1', 'web', 'Running', '10.0.0.1', '5m'],
      ['member2', 'dns', 'Pending', '<none>', '5m'],
    ]);
  });

  it('prints cells of any type', () => {
    expect([cellText(3), cellText(true), cellText(null), cellText({ a: 1 })]).toEqual([
      '3',
      'true',
      '',
      '{"a":1}',
    ]);
  });
});
