/**
 * Tables of member clusters merged into one, karmadactl style: a CLUSTER column first, then
 * (with `-A`) NAMESPACE, then the columns each member's API server printed (meta.k8s.io Table).
 */

/** A column of a meta.k8s.io/v1 Table (the fields the CLI reads). */
export interface TableColumn {
  name: string;
  /** 0: always shown; more: only with `-o wide`. */
  priority?: number;
}

/** A meta.k8s.io/v1 Table as a member API server returns it (the fields the CLI reads). */
export interface KubeTable {
  columnDefinitions?: TableColumn[];
  rows?: { cells: unknown[]; object?: { metadata?: { namespace?: string; name?: string } } }[];
}

/** One member's table. */
export interface ClusterTable {
  cluster: string;
  table: KubeTable;
}

/** A cell as text: strings as they are, numbers and booleans printed, the rest as JSON. */
export function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * The merged table: columns in the order they first appear across the members (matched by name,
 * so members of different versions line up; a column a member lacks is `<none>` there), rows in
 * the order of `tables`.
 */
export function mergeClusterTables(
  tables: readonly ClusterTable[],
  opts: { wide: boolean; namespace: boolean },
): { headers: string[]; rows: string[][] } {
  const columns: string[] = [];
  for (const { table } of tables) {
    for (const c of table.columnDefinitions ?? []) {
      if ((c.priority ?? 0) > 0 && !opts.wide) continue;
      if (!columns.includes(c.name)) columns.push(c.name);
    }
  }
  const headers = ['cluster', ...(opts.namespace ? ['namespace'] : []), ...columns];
  const rows: string[][] = [];
  for (const { cluster, table } of tables) {
    const index = new Map((table.columnDefinitions ?? []).map((c, i) => [c.name, i]));
    for (const row of table.rows ?? []) {
      rows.push([
        cluster,
        ...(opts.namespace ? [row.object?.metadata?.namespace ?? ''] : []),
        ...columns.map((name) => {
          const i = index.get(name);
          return i === undefined ? '<none>' : cellText(row.cells[i]);
        }),
      ]);
    }
  }
  return { headers, rows };
}
