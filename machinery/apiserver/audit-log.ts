import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import type { Context, Next } from 'koa';
import { resourceVerb } from '../auth/request-attributes.js';
import type { UserInfo } from '../auth/user-info.js';
import { defaultLogger } from '../log/default-logger.js';
import type { Logger } from '../log/logger.js';
import {
  auditLevel,
  type AuditLevel,
  type AuditPolicy,
  type AuditRequest,
} from './audit-policy.js';
import type { DiscoveryPath, ResourcePath } from './request-path.js';

/** One audit.k8s.io/v1 Event, written as one JSON line. */
export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: AuditLevel;
  auditID: string;
  stage: 'ResponseComplete';
  requestURI: string;
  verb: string;
  user: { username: string; uid?: string; groups: readonly string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: {
    resource: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    apiVersion: string;
    subresource?: string;
  };
  responseStatus: { metadata: Record<string, never>; code: number };
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** Where audit events go. */
export interface AuditSink {
  write(event: AuditEvent): void;
  close(): Promise<void>;
}

/** Lines buffered before a write is issued without waiting for the next turn of the loop. */
const FLUSH_BYTES = 64 * 1024;

/**
 * Appends JSON lines to a file (`--audit-log-path`), creating its folder. Lines are batched and
 * written once per turn of the event loop (or every 64 KiB), as kube-apiserver's batching audit
 * backend does: one write per request cost more than the rest of the auditing together.
 */
export class FileAuditSink implements AuditSink {
  private readonly out: WriteStream;
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;

  /** `log`: where write errors go (the process's logger by default). */
  constructor(path: string, log: Logger = defaultLogger()) {
    mkdirSync(dirname(path), { recursive: true });
    this.out = createWriteStream(path, { flags: 'a', mode: 0o600 });
    // a full disk must not take the API server down; the write error is reported once per event
    this.out.on('error', (err) => {
      log.error(`audit log: ${err.message}`, { path });
    });
  }

  write(event: AuditEvent): void {
    const line = `${JSON.stringify(event)}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes the buffered lines (a no-op when there are none). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.out.write(text);
  }

  close(): Promise<void> {
    this.flush();
    return new Promise((resolve) => this.out.end(resolve));
  }
}

/** Options for {@link auditMiddleware}. */
export interface AuditOptions {
  policy: AuditPolicy;
  sink: AuditSink;
}

/** A client may name its request (kubectl does not); anything odd gets a fresh id instead. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** RFC 3339 with microseconds, as Kubernetes writes audit timestamps. */
function micro(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

function parsedResource(p: ResourcePath | DiscoveryPath | undefined): ResourcePath | undefined {
  return p && !('discovery' in p) ? p : undefined;
}

function objectRef(p: ResourcePath, ctx: Context): NonNullable<AuditEvent['objectRef']> {
  const ref: NonNullable<AuditEvent['objectRef']> = { resource: p.resource, apiVersion: p.version };
  if (p.namespace !== undefined) ref.namespace = p.namespace;
  // a create names its object in the body, not the URL
  const created = (ctx.body as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  const name =
    p.name ?? (ctx.method === 'POST' && typeof created === 'string' ? created : undefined);
  if (name !== undefined) ref.name = name;
  if (p.group !== '') ref.apiGroup = p.group;
  if (p.subresource !== undefined) ref.subresource = p.subresource;
  return ref;
}

function plainBody(body: unknown): unknown {
  return body === null ||
    typeof body !== 'object' ||
    body instanceof Readable ||
    Buffer.isBuffer(body)
    ? undefined
    : body;
}

/**
 * Koa middleware (outermost): gives every request an audit id (`Audit-Id` response header, taken
 * from the client's `Audit-Id`/`X-Request-Id` when well-formed), and, when auditing is on, writes
 * one ResponseComplete event per request at the level the policy picks. Watches are logged when
 * the stream ends.
 */
export function auditMiddleware(
  opts: AuditOptions | undefined,
  parse: (path: string) => ResourcePath | DiscoveryPath | undefined,
): (ctx: Context, next: Next) => Promise<void> {
  return async (ctx, next) => {
    const received = new Date();
    const given = ctx.get('audit-id') || ctx.get('x-request-id');
    const auditID = CLIENT_ID.test(given) ? given : randomUUID();
    ctx.state.auditID = auditID;
    ctx.set('Audit-Id', auditID);
    try {
      await next();
    } finally {
      if (opts) logWhenDone(ctx, opts, parse, auditID, received);
    }
  };
}

function logWhenDone(
  ctx: Context,
  opts: AuditOptions,
  parse: (path: string) => ResourcePath | DiscoveryPath | undefined,
  auditID: string,
  received: Date,
): void {
  const path = ctx.path.replace(/\/+$/, '') || '/';
  const routed = ctx.state.parsedPath as
    { path: string; parsed: ResourcePath | DiscoveryPath | undefined } | undefined;
  let p: ResourcePath | undefined;
  try {
    p = parsedResource(routed?.path === path ? routed.parsed : parse(path));
  } catch {
    p = undefined; // a malformed path was already answered 400; log it as non-resource
  }
  const user = ctx.state.userInfo as UserInfo | undefined;
  const verb = p ? resourceVerb(ctx.method, p, ctx.query) : ctx.method.toLowerCase();
  const req: AuditRequest = {
    user: user?.name ?? '',
    groups: user?.groups ?? [],
    verb,
    path,
  };
  if (p) {
    req.resource = {
      group: p.group,
      resource: p.resource,
      subresource: p.subresource ?? '',
      namespace: p.namespace ?? '',
      name: p.name ?? '',
    };
  }
  const level = auditLevel(opts.policy, req);
  if (level === 'None') return;
  const event: AuditEvent = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level,
    auditID,
    stage: 'ResponseComplete',
    requestURI: ctx.url,
    verb,
    user: { username: user?.name ?? '', groups: user?.groups ?? [] },
    sourceIPs: [ctx.req.socket.remoteAddress ?? ''],
    responseStatus: { metadata: {}, code: ctx.status },
    requestReceivedTimestamp: micro(received),
    stageTimestamp: '',
  };
  if (user?.uid !== undefined) event.user.uid = user.uid;
  const ua = ctx.get('user-agent');
  if (ua !== '') event.userAgent = ua;
  if (p) event.objectRef = objectRef(p, ctx);
  if (level === 'Request' || level === 'RequestResponse') {
    const body: unknown = ctx.state.requestObject;
    if (body !== undefined) event.requestObject = body;
  }
  const response = level === 'RequestResponse' ? plainBody(ctx.body) : undefined;
  if (response !== undefined) event.responseObject = response;
  const emit = (): void => {
    event.stageTimestamp = micro(new Date());
    opts.sink.write(event);
  };
  if (ctx.body instanceof Readable && !ctx.res.writableFinished) ctx.res.once('close', emit);
  else emit();
}
