import { createHash } from 'node:crypto';
import { DigestMismatchError } from '../errors/digest-mismatch-error.js';
import { RegistryHttpError } from '../errors/registry-http-error.js';

/** Manifest media types Flotilla copies. */
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

/** Options for {@link OciClient}. */
export interface OciClientOptions {
  /** `http(s)://host:port` */
  url: string;
  username?: string;
  password?: string;
  /** Sent on every request; the replicator uses it to recognise its own pushes in notifications. */
  userAgent?: string;
}

/** A fetched manifest: exact bytes, media type and digest. */
export interface Manifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/** sha256 digest string of bytes. */
export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * OCI Distribution client over HTTP: manifests (GET/HEAD/PUT with the exact bytes, so digests are
 * preserved), blobs (HEAD/GET/monolithic upload, cross-repository mount), basic and bearer-token
 * auth (WWW-Authenticate challenge), digest verification of everything it reads.
 */
export class OciClient {
  readonly url: string;
  private readonly opts: OciClientOptions;
  private token: string | undefined;

  constructor(opts: OciClientOptions) {
    this.opts = opts;
    this.url = opts.url.replace(/\/+$/, '');
  }

  /** `host:port` of the registry (the prefix of image references). */
  get host(): string {
    return new URL(this.url).host;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = {
      'User-Agent': this.opts.userAgent ?? 'flotilla-registry',
      ...extra,
    };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    else if (this.opts.username !== undefined) {
      h.Authorization = `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64')}`;
    }
    return h;
  }

  private async authenticate(challenge: string): Promise<boolean> {
    const m = /^Bearer\s+(.*)$/i.exec(challenge);
    if (!m) return false;
    const params = Object.fromEntries(
      [...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1] ?? '', x[2] ?? '']),
    );
    if (!params.realm) return false;
    const u = new URL(params.realm);
    if (params.service) u.searchParams.set('service', params.service);
    if (params.scope) u.searchParams.set('scope', params.scope);
    const auth =
      this.opts.username !== undefined
        ? {
            Authorization: `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64')}`,
          }
        : {};
    const res = await fetch(u, { headers: auth });
    if (!res.ok) return false;
    const body = (await res.json()) as { token?: string; access_token?: string };
    this.token = body.token ?? body.access_token;
    return this.token !== undefined;
  }

  /** One request, retried once after answering an auth challenge. */
  async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<Response> {
    const go = (): Promise<Response> =>
      fetch(`${this.url}${path}`, {
        method,
        headers: this.headers(init.headers),
        ...(init.body ? { body: init.body } : {}),
        redirect: 'follow',
      });
    let res = await go();
    if (
      res.status === 401 &&
      !this.token &&
      (await this.authenticate(res.headers.get('www-authenticate') ?? ''))
    ) {
      res = await go();
    }
    return res;
  }

  async fail(res: Response, path: string): Promise<never> {
    throw new RegistryHttpError(`${this.url}${path}`, res.status, await res.text().catch(() => ''));
  }

  /** Manifest by tag or digest; verifies the digest when fetched by digest. */
  async getManifest(repo: string, ref: string): Promise<Manifest> {
    const path = `/v2/${repo}/manifests/${ref}`;
    const res = await this.request('GET', path, { headers: { Accept: MANIFEST_TYPES.join(', ') } });
    if (!res.ok) return this.fail(res, path);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256(bytes);
    if (ref.startsWith('sha256:') && ref !== digest) throw new DigestMismatchError(ref, digest);
    return {
      bytes,
      mediaType:
        res.headers.get('content-type') ?? 'application/vnd.docker.distribution.manifest.v2+json',
      digest,
    };
  }

  /** Digest of a manifest, or undefined when absent. */
  async headManifest(repo: string, ref: string): Promise<string | undefined> {
    const path = `/v2/${repo}/manifests/${ref}`;
    const res = await this.request('HEAD', path, {
      headers: { Accept: MANIFEST_TYPES.join(', ') },
    });
    if (res.status === 404) return undefined;
    if (!res.ok) return this.fail(res, path);
    return res.headers.get('docker-content-digest') ?? undefined;
  }

  /** Pushes manifest bytes unchanged under `ref` (a tag or its digest). */
  async putManifest(repo: string, ref: string, m: Manifest): Promise<void> {
    const path = `/v2/${repo}/manifests/${ref}`;
    const res = await this.request('PUT', path, {
      headers: { 'Content-Type': m.mediaType },
      body: m.bytes,
    });
    if (!res.ok) return this.fail(res, path);
    const got = res.headers.get('docker-content-digest');
    if (got && got !== m.digest) throw new DigestMismatchError(m.digest, got);
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const path = `/v2/${repo}/blobs/${digest}`;
    const res = await this.request('HEAD', path);
    if (res.status === 404) return false;
    if (!res.ok) return this.fail(res, path);
    return true;
  }

  /** Blob bytes, verified against the digest. */
  async getBlob(repo: string, digest: string): Promise<Buffer> {
    const path = `/v2/${repo}/blobs/${digest}`;
    const res = await this.request('GET', path);
    if (!res.ok) return this.fail(res, path);
    const bytes = Buffer.from(await res.arrayBuffer());
    const got = sha256(bytes);
    if (got !== digest) throw new DigestMismatchError(digest, got);
    return bytes;
  }

  /** Cross-repository mount on the same registry; false when the registry started an upload instead. */
  async mountBlob(repo: string, digest: string, from: string): Promise<boolean> {
    const path = `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
    const res = await this.request('POST', path);
    if (res.status === 201) return true;
    if (res.status === 202) {
      const loc = res.headers.get('location');
      if (loc) await this.request('DELETE', new URL(loc, this.url).pathname).catch(() => undefined);
      return false;
    }
    return this.fail(res, path);
  }

  /**
   * Streams a blob from `src` into this registry without holding it in memory: the GET body is
   * piped into the upload PUT while a sha256 is computed; the registry verifies the digest on PUT
   * and we check ours too. Resolves to the byte count.
   */
  async streamBlobFrom(src: OciClient, repo: string, digest: string): Promise<number> {
    const getPath = `/v2/${repo}/blobs/${digest}`;
    const res = await src.request('GET', getPath);
    if (!res.ok || !res.body) return src.fail(res, getPath);
    const open = `/v2/${repo}/blobs/uploads/`;
    const up = await this.request('POST', open);
    if (up.status !== 202) return this.fail(up, open);
    const loc = new URL(up.headers.get('location') ?? '', this.url);
    loc.searchParams.set('digest', digest);
    const hash = createHash('sha256');
    let bytes = 0;
    const hashing = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        ctl.enqueue(chunk);
      },
    });
    const length = res.headers.get('content-length');
    const put = await fetch(`${this.url}${loc.pathname}${loc.search}`, {
      method: 'PUT',
      headers: this.headers({
        'Content-Type': 'application/octet-stream',
        ...(length ? { 'Content-Length': length } : {}),
      }),
      body: res.body.pipeThrough(hashing),
      duplex: 'half',
    });
    if (put.status !== 201) return this.fail(put, loc.pathname);
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== digest) throw new DigestMismatchError(digest, got);
    return bytes;
  }

  /** Uploads a blob (POST to open, PUT with the digest to finish). */
  async uploadBlob(repo: string, digest: string, bytes: Buffer): Promise<void> {
    const open = `/v2/${repo}/blobs/uploads/`;
    const res = await this.request('POST', open);
    if (res.status !== 202) return this.fail(res, open);
    const loc = new URL(res.headers.get('location') ?? '', this.url);
    loc.searchParams.set('digest', digest);
    const put = await this.request('PUT', `${loc.pathname}${loc.search}`, {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) return this.fail(put, loc.pathname);
  }
}
