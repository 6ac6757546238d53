/** Reading manifests for `apply -f` / `delete -f`: files, directories and stdin; multi-document YAML or JSON. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import type { KubeObject } from '../../machinery/meta.js';
import { CliError, UsageError } from './errors/index.js';

function checkObject(d: unknown, where: string): KubeObject {
  const o = d as Partial<KubeObject>;
  if (
    typeof d !== 'object' ||
    d === null ||
    Array.isArray(d) ||
    typeof o.apiVersion !== 'string' ||
    typeof o.kind !== 'string'
  ) {
    throw new CliError(`error in ${where}: apiVersion and kind are required`);
  }
  if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') {
    throw new CliError(`error in ${where}: ${o.kind} needs metadata.name`);
  }
  return o as KubeObject;
}

/**
 * Parses one text of YAML documents (JSON is YAML) into objects; `*List` documents are flattened.
 * @throws CliError on a syntax error or a document without apiVersion, kind or metadata.name.
 */
export function parseManifests(text: string, where: string): KubeObject[] {
  let docs: unknown[];
  try {
    docs = loadAll(text);
  } catch (err) {
    const msg = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    throw new CliError(`error parsing ${where}: ${msg}`, { cause: err });
  }
  const out: KubeObject[] = [];
  for (const [i, d] of docs.entries()) {
    if (d === null || d === undefined) continue;
    const o = d as { kind?: unknown; items?: unknown };
    const items =
      typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)
        ? (o.items as unknown[])
        : [d];
    for (const item of items) out.push(checkObject(item, `${where} (document ${String(i + 1)})`));
  }
  return out;
}

/**
 * Reads every object from files, directories (`*.yaml`, `*.yml`, `*.json`, sorted) or stdin (`-`).
 * Everything is read and parsed before anything is sent, so a bad file changes nothing.
 * @throws CliError for a missing path or unparsable content; UsageError when stdin is unavailable.
 */
export async function readManifests(
  paths: string[],
  stdin?: () => Promise<string>,
): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const p of paths) {
    if (p === '-') {
      if (!stdin) throw new UsageError('reading from stdin (-f -) is not available here');
      out.push(...parseManifests(await stdin(), 'stdin'));
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new CliError(`the path "${p}" does not exist`);
    }
    const files = st.isDirectory()
      ? readdirSync(p)
          .filter((f) => /\.(ya?ml|json)$/.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p];
    for (const f of files) out.push(...parseManifests(readFileSync(f, 'utf8'), f));
  }
  return out;
}
