/**
 * Serves /openapi/v2 and /openapi/v3[/<group-version>] from the documents of the served types.
 * The documents are built once and rebuilt only when the served types change (custom resource
 * types come and go with their CRDs); each is served with an ETag and, under v3, a `hash` query
 * the discovery document links to, so kubectl's disk cache is reused until the types change.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { NotFoundError } from '../../errors/index.js';
import type { ResourceType } from '../../resource-type.js';
import { openApiV2Document, openApiV3Documents } from './documents.js';
import { encodeDocumentV2 } from './gnostic-v2.js';

/** One serialized document and its hash (upper-case hex SHA-512, as Kubernetes). */
interface Served {
  body: Buffer;
  hash: string;
}

const served = (body: Buffer): Served => ({
  body,
  hash: createHash('sha512').update(body).digest('hex').toUpperCase(),
});

/** The built documents of one set of served types. */
interface Built {
  signature: string;
  v2json: Served;
  v2proto: Served;
  v3: Map<string, Served>;
}

const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** Identities of the custom resource schemas seen, so a changed CRD rebuilds the documents. */
const schemaIds = new WeakMap<object, number>();
let nextSchemaId = 0;

function schemaTag(rt: ResourceType): string {
  if (!rt.openApiSchema) return '';
  let id = schemaIds.get(rt.openApiSchema);
  if (id === undefined) {
    id = ++nextSchemaId;
    schemaIds.set(rt.openApiSchema, id);
  }
  return `#${String(id)}`;
}

/** Builds, caches and serves the OpenAPI documents of one API server. */
export class OpenApiService {
  private built: Built | undefined;
  private readonly types: () => readonly ResourceType[];

  /** @param types - the types served now (read per request: types may be added after start) */
  constructor(types: () => readonly ResourceType[]) {
    this.types = types;
  }

  /** Serves `path` if it is an OpenAPI path. @returns false for any other path */
  serve(ctx: Context, path: string): boolean {
    if (path === '/openapi/v2') {
      const b = this.current();
      const proto = (ctx.get('accept') || '').includes('protobuf');
      this.send(ctx, proto ? b.v2proto : b.v2json, proto ? V2_PROTOBUF : 'application/json');
      return true;
    }
    if (path === '/openapi/v3') {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const [gv, doc] of this.current().v3) {
        paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${doc.hash}` };
      }
      ctx.type = 'application/json';
      ctx.set('Cache-Control', 'no-cache, private');
      ctx.body = { paths };
      return true;
    }
    if (path.startsWith('/openapi/v3/')) {
      this.serveGroupVersion(ctx, path.slice('/openapi/v3/'.length));
      return true;
    }
    return false;
  }

  private serveGroupVersion(ctx: Context, gv: string): void {
    const doc = this.current().v3.get(gv);
    if (!doc) throw new NotFoundError(`the server has no OpenAPI document for ${gv}`);
    const hash = typeof ctx.query.hash === 'string' ? ctx.query.hash : undefined;
    if (hash !== undefined && hash !== doc.hash) {
      // a stale link: point the client at the current version, as kube-apiserver does
      ctx.status = 301;
      ctx.redirect(`/openapi/v3/${gv}?hash=${doc.hash}`);
      return;
    }
    if (hash !== undefined) {
      ctx.set('Cache-Control', 'public, immutable');
      ctx.set('Expires', new Date(Date.now() + 365 * 86_400_000).toUTCString());
    }
    this.send(ctx, doc, 'application/json');
  }

  private send(ctx: Context, doc: Served, type: string): void {
    const etag = `"${doc.hash}"`;
    ctx.set('ETag', etag);
    if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-cache, private');
    if (ctx.get('if-none-match') === etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = type;
    ctx.body = doc.body;
  }

  /** The documents of the types served now, rebuilt only when they changed. */
  private current(): Built {
    const types = this.types();
    // a custom resource's schema changes with its CRD: its type is then a new object
    const signature = types
      .map((rt) => `${rt.group}/${rt.version}/${rt.kind}/${rt.plural}${schemaTag(rt)}`)
      .join(',');
    if (this.built?.signature === signature) return this.built;
    const v2 = openApiV2Document(types);
    const v3 = new Map<string, Served>();
    for (const [gv, doc] of openApiV3Documents(types)) {
      v3.set(gv, served(Buffer.from(JSON.stringify(doc))));
    }
    this.built = {
      signature,
      v2json: served(Buffer.from(JSON.stringify(v2))),
      v2proto: served(encodeDocumentV2(v2)),
      v3,
    };
    return this.built;
  }
}
