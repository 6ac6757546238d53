import type { KubeObject } from '../meta.js';
import type { ResourceType } from '../resource-type.js';

/** True when the Accept header asks for server-side printing (meta.k8s.io Table). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** A timestamp as kubectl shows an age (`45s`, `3m`, `5h`, `2d`), at `now` (ms). */
export function humanAge(ts: string | undefined, now: number): string {
  if (ts === undefined) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${String(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${String(m)}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${String(h)}h`;
  return `${String(Math.floor(h / 24))}d`;
}

function partial(obj: KubeObject): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** Builds a meta.k8s.io/v1 Table: NAME, the type's printer columns, AGE. */
export function toTable(
  rt: ResourceType,
  objects: KubeObject[],
  opts: { resourceVersion?: string; continue?: string; includeColumns?: boolean } = {},
): unknown {
  const cols = rt.printerColumns ?? [];
  const now = Date.now();
  const columnDefinitions = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
    ...cols.map((c) => ({
      name: c.name,
      type: c.type,
      format: '',
      description: c.name,
      priority: c.priority ?? 0,
    })),
    { name: 'Age', type: 'string', format: '', description: 'Age', priority: 0 },
  ];
  const rows = objects.map((o) => ({
    cells: [
      o.metadata.name ?? '',
      ...cols.map((c) => c.value(o) ?? '<none>'),
      humanAge(o.metadata.creationTimestamp, now),
    ],
    object: partial(o),
  }));
  const table: Record<string, unknown> = {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(opts.resourceVersion !== undefined ? { resourceVersion: opts.resourceVersion } : {}),
      ...(opts.continue !== undefined ? { continue: opts.continue } : {}),
    },
    rows,
  };
  if (opts.includeColumns !== false) table.columnDefinitions = columnDefinitions;
  return table;
}
