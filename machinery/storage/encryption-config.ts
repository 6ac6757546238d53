import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { resourcePrefix } from '../registry/object-names.js';
import {
  aesCbcProvider,
  aesGcmProvider,
  identityProvider,
  PrefixTransformer,
  type PrefixedProvider,
  type ValueTransformer,
} from './value-transformer.js';

/** Thrown at start-up when an EncryptionConfiguration file is unreadable or invalid. */
export class EncryptionConfigError extends Error {
  /** Every problem found, so one edit fixes them all. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], opts?: { cause?: unknown }) {
    super(`invalid EncryptionConfiguration: ${problems.join('; ')}`, opts);
    this.name = 'EncryptionConfigError';
    this.problems = problems;
  }
}

interface KeyConfig {
  name?: unknown;
  secret?: unknown;
}

/** Groups whose resources are stored at `/registry/<plural>/` (see object-names.ts). */
function keyPrefixOf(resource: string): string {
  const dot = resource.indexOf('.');
  const plural = dot < 0 ? resource : resource.slice(0, dot);
  const group = dot < 0 ? '' : resource.slice(dot + 1);
  return resourcePrefix({ group, plural, namespaced: false });
}

function keysOf(kind: string, cfg: unknown, sizes: number[], problems: string[]): Buffer[] {
  const keys = (cfg as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    problems.push(`${kind}: keys must be a non-empty list`);
    return [];
  }
  return (keys as KeyConfig[]).map((k, i) => {
    const secret = typeof k.secret === 'string' ? Buffer.from(k.secret, 'base64') : Buffer.alloc(0);
    if (typeof k.name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(k.name)) {
      problems.push(`${kind}.keys[${String(i)}].name must be a non-empty name without ':'`);
    }
    if (!sizes.includes(secret.length)) {
      problems.push(
        `${kind}.keys[${String(i)}].secret must be base64 of ${sizes.join(', ')} bytes, got ${String(secret.length)}`,
      );
    }
    return secret;
  });
}

function providersOf(list: unknown, problems: string[]): PrefixedProvider[] {
  if (!Array.isArray(list) || list.length === 0) {
    problems.push('providers must be a non-empty list');
    return [];
  }
  const out: PrefixedProvider[] = [];
  for (const p of list as Record<string, unknown>[]) {
    if ('identity' in p) {
      out.push(identityProvider);
    } else if ('aesgcm' in p) {
      const names = (p.aesgcm as { keys?: KeyConfig[] } | null)?.keys ?? [];
      keysOf('aesgcm', p.aesgcm, [16, 24, 32], problems).forEach((s, i) => {
        out.push(aesGcmProvider(String(names[i]?.name), s));
      });
    } else if ('aescbc' in p) {
      const names = (p.aescbc as { keys?: KeyConfig[] } | null)?.keys ?? [];
      keysOf('aescbc', p.aescbc, [32], problems).forEach((s, i) => {
        out.push(aesCbcProvider(String(names[i]?.name), s));
      });
    } else {
      problems.push(`unsupported provider ${Object.keys(p).join(',')} (aesgcm, aescbc, identity)`);
    }
  }
  return out;
}

/**
 * Routes each etcd key to the transformer of its resource (the first matching `resources` entry)
 * or stores it as is. Keys look like `<storage prefix>/registry/<plural>/...`.
 */
class ResourceTransformers implements ValueTransformer {
  private readonly routes: readonly { prefix: string; transformer: ValueTransformer }[];

  constructor(routes: readonly { prefix: string; transformer: ValueTransformer }[]) {
    this.routes = routes;
  }

  private route(key: string): ValueTransformer | undefined {
    const at = key.indexOf('/registry/');
    const rel = at < 0 ? key : key.slice(at);
    return this.routes.find((r) => rel.startsWith(r.prefix))?.transformer;
  }

  toStorage(key: string, data: Buffer): Buffer {
    return this.route(key)?.toStorage(key, data) ?? data;
  }

  fromStorage(key: string, data: Buffer): { data: Buffer; stale: boolean } {
    return this.route(key)?.fromStorage(key, data) ?? { data, stale: false };
  }
}

/**
 * Builds the storage transformer of an `apiserver.config.k8s.io/v1` EncryptionConfiguration
 * (YAML or JSON text). Resources are `secrets`, `<plural>.<group>` or `*.*` (everything).
 * @throws EncryptionConfigError listing every problem.
 */
export function encryptionTransformer(text: string): ValueTransformer {
  let doc: { apiVersion?: unknown; kind?: unknown; resources?: unknown };
  try {
    doc = load(text) ?? {};
  } catch (err) {
    throw new EncryptionConfigError([(err as Error).message], { cause: err });
  }
  const problems: string[] = [];
  if (doc.kind !== 'EncryptionConfiguration') problems.push('kind must be EncryptionConfiguration');
  if (doc.apiVersion !== 'apiserver.config.k8s.io/v1') {
    problems.push('apiVersion must be apiserver.config.k8s.io/v1');
  }
  const routes: { prefix: string; transformer: ValueTransformer }[] = [];
  const entries = Array.isArray(doc.resources) ? (doc.resources as Record<string, unknown>[]) : [];
  if (entries.length === 0) problems.push('resources must be a non-empty list');
  for (const entry of entries) {
    const providers = providersOf(entry.providers, problems);
    const names = Array.isArray(entry.resources) ? (entry.resources as unknown[]) : [];
    if (names.length === 0) problems.push('each resources entry needs resources: [...]');
    if (providers.length === 0) continue;
    const transformer = new PrefixTransformer(providers);
    for (const r of names) {
      if (typeof r !== 'string' || r === '') problems.push('resource names must be strings');
      else routes.push({ prefix: r === '*.*' ? '/registry/' : keyPrefixOf(r), transformer });
    }
  }
  if (problems.length > 0) throw new EncryptionConfigError(problems);
  return new ResourceTransformers(routes);
}

/** Reads and builds an EncryptionConfiguration file (`--encryption-provider-config`). */
export function loadEncryptionConfig(path: string): ValueTransformer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EncryptionConfigError([`cannot read ${path}: ${(err as Error).message}`], {
      cause: err,
    });
  }
  return encryptionTransformer(text);
}
