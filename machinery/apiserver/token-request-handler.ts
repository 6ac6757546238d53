import type { KubeObject } from '../meta.js';
import type { ServiceAccountTokenSigner } from '../auth/service-account-token.js';
import { InvalidError, MethodNotSupportedError } from '../errors/index.js';
import type { ResourceType } from '../resource-type.js';
import type { SubresourceHandler } from './subresource-handler.js';

/** Options for {@link tokenRequestHandler}. */
export interface TokenRequestOptions {
  signer: ServiceAccountTokenSigner;
  /** Audiences of a token when the request names none (the API server's). */
  defaultAudiences: readonly string[];
  /** Types of the objects a token may be bound to. */
  boundTypes: { Pod?: ResourceType; Secret: ResourceType };
  /** Longest lifetime handed out; longer requests are shortened. @defaultValue 86400 */
  maxExpirationSeconds?: number;
  now?: () => Date;
}

interface TokenRequestSpec {
  audiences?: unknown;
  expirationSeconds?: unknown;
  boundObjectRef?: { kind?: unknown; apiVersion?: unknown; name?: unknown; uid?: unknown };
}

/** Kubernetes refuses lifetimes under ten minutes; so do we. */
const MIN_EXPIRATION_SECONDS = 600;
const DEFAULT_EXPIRATION_SECONDS = 3600;

function invalid(field: string, message: string): InvalidError {
  return new InvalidError(`TokenRequest is invalid: ${field}: ${message}`, {
    kind: 'TokenRequest',
    group: 'authentication.k8s.io',
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
}

function audiences(spec: TokenRequestSpec, defaults: readonly string[]): string[] {
  if (spec.audiences === undefined || spec.audiences === null) return [...defaults];
  if (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== 'string')) {
    throw invalid('spec.audiences', 'must be a list of strings');
  }
  const list = spec.audiences as string[];
  return list.length === 0 ? [...defaults] : list;
}

function expiration(spec: TokenRequestSpec, max: number): number {
  const e = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof e !== 'number' || !Number.isInteger(e) || e < MIN_EXPIRATION_SECONDS) {
    throw invalid(
      'spec.expirationSeconds',
      `must be an integer of at least ${String(MIN_EXPIRATION_SECONDS)} seconds`,
    );
  }
  return Math.min(e, max);
}

/**
 * `POST serviceaccounts/<name>/token` (authentication.k8s.io/v1 TokenRequest, `kubectl create
 * token`): a signed JWT for the ServiceAccount, with the requested audiences and lifetime, bound to
 * the account's uid and optionally to a Pod or Secret of the same namespace (`--bound-object-kind`),
 * so the token dies with any of them. Nothing is stored: the signature is the record.
 */
export function tokenRequestHandler(opts: TokenRequestOptions): SubresourceHandler {
  const max = opts.maxExpirationSeconds ?? 86_400;
  return async (req) => {
    if (req.method !== 'POST') {
      throw new MethodNotSupportedError(`${req.method} is not supported on serviceaccounts/token`);
    }
    const namespace = req.namespace ?? '';
    const sa = await req.registry.get(req.rt, namespace, req.name);
    const body = (req.body ?? {}) as { spec?: TokenRequestSpec };
    const spec = body.spec ?? {};
    const aud = audiences(spec, opts.defaultAudiences);
    const seconds = expiration(spec, max);
    const bound = await boundObject(req.registry, opts.boundTypes, namespace, spec.boundObjectRef);
    const now = opts.now?.() ?? new Date();
    const iat = Math.floor(now.getTime() / 1000);
    const token = opts.signer.sign({
      sub: `system:serviceaccount:${namespace}:${req.name}`,
      aud,
      iat,
      nbf: iat,
      exp: iat + seconds,
      'kubernetes.io': {
        namespace,
        serviceaccount: { name: req.name, uid: sa.metadata.uid ?? '' },
        ...(bound ? { [bound.kind === 'Pod' ? 'pod' : 'secret']: bound.ref } : {}),
      },
    });
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: req.name, namespace, creationTimestamp: now.toISOString() },
      spec: {
        audiences: aud,
        expirationSeconds: seconds,
        ...(spec.boundObjectRef ? { boundObjectRef: spec.boundObjectRef } : {}),
      },
      status: {
        token,
        expirationTimestamp: new Date((iat + seconds) * 1000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  };
}

async function boundObject(
  registry: Parameters<SubresourceHandler>[0]['registry'],
  types: TokenRequestOptions['boundTypes'],
  namespace: string,
  ref: TokenRequestSpec['boundObjectRef'],
): Promise<{ kind: 'Pod' | 'Secret'; ref: { name: string; uid: string } } | undefined> {
  if (ref === undefined || ref === null) return undefined;
  const kind = ref.kind;
  const rt = kind === 'Pod' ? types.Pod : kind === 'Secret' ? types.Secret : undefined;
  if (rt === undefined || (kind !== 'Pod' && kind !== 'Secret')) {
    throw invalid('spec.boundObjectRef.kind', 'must be Pod or Secret (served by this cluster)');
  }
  if (typeof ref.name !== 'string' || ref.name === '') {
    throw invalid('spec.boundObjectRef.name', 'required');
  }
  const obj: KubeObject = await registry.get(rt, namespace, ref.name);
  const uid = obj.metadata.uid ?? '';
  if (ref.uid !== undefined && ref.uid !== '' && ref.uid !== uid) {
    throw invalid('spec.boundObjectRef.uid', `does not match the ${kind}'s uid`);
  }
  return { kind, ref: { name: ref.name, uid } };
}
