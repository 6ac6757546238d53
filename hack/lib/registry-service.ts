/**
 * Starts a real docker-registry (CNCF Distribution 2.8, Debian `docker-registry`) on 127.0.0.1,
 * optionally over TLS with a serving certificate from a CA the set-up creates
 * ({@link makeRegistryTls}, the federation's `CertificateAuthority` on the `openssl` CLI).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import { ManagedProcess } from './managed-process.js';
import { freePort, waitFor } from './ports.js';
import { httpOk, requireBinary, tempDir, type RunningService } from './service-util.js';

/**
 * Where dockerd reads per-registry CAs (`<dir>/<host:port>/ca.crt`). The project's dockerd
 * (ensureDockerd) has its own data root and socket but no `--config-file` or rootless mode, so it
 * reads the system default, `/etc/docker/certs.d`.
 */
export const DOCKER_CERTS_DIR = process.env.FLOTILLA_DOCKER_CERTS_DIR ?? '/etc/docker/certs.d';

/** TLS material of a registry (PEM). */
export interface RegistryTls {
  /** The CA every client trusts (the Registry object's `caBundle`). */
  ca: string;
  /** Serving certificate chain (leaf for 127.0.0.1 and localhost, then the CA). */
  cert: string;
  key: string;
}

/**
 * A serving certificate for 127.0.0.1 and localhost signed by `ca` (a new CA by default). One
 * certificate serves every loopback endpoint of the set-up: the registries, the token realm and
 * the notification receiver.
 */
export function makeRegistryTls(
  ca: CertificateAuthority = CertificateAuthority.create('flotilla-registry-ca'),
): RegistryTls {
  const serving = ca.servingCert(['127.0.0.1'], ['localhost']);
  return { ca: ca.cert, cert: serving.cert, key: serving.key };
}

/** A running CNCF Distribution registry (Debian `docker-registry`). */
export interface RegistryService extends RunningService {
  /** `127.0.0.1:<port>` — the host part of image references. */
  host: string;
  port: number;
  /** `https://127.0.0.1:<port>` when started with `tls`, else `http://…`. */
  url: string;
  /** The CA (PEM) that verifies the registry's certificate, when started with `tls`. */
  ca?: string;
  dataDir: string;
  /** Restart on the same port and storage (for "registry down mid-copy" tests). */
  restart(): Promise<void>;
  /** Stop without removing storage. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** Options for {@link startRegistry}. */
export interface RegistryOptions {
  /** URL that receives Distribution push notifications. */
  notifyUrl?: string;
  /** Headers sent with every notification (e.g. the receiver's shared-secret Authorization). */
  notifyHeaders?: Record<string, string>;
  /** htpasswd file content for basic auth (bcrypt entries). */
  htpasswd?: string;
  /**
   * Bearer-token auth (`auth.token`): tokens from `realm`, for audience `service`, signed by
   * `issuer` with a key whose certificate is in `rootCertBundle` (PEM).
   */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /**
   * Serve https only (`http.tls`) with this certificate; the registry's own outgoing requests
   * (notifications) then trust `tls.ca` only (SSL_CERT_FILE), and `tls.ca` is written to
   * `<dockerCertsDir>/127.0.0.1:<port>/ca.crt` for dockerd until `stop()`.
   */
  tls?: RegistryTls;
  /** Where dockerd reads registry CAs; `false` writes none. @defaultValue {@link DOCKER_CERTS_DIR} */
  dockerCertsDir?: string | false;
  port?: number;
  logFile?: string;
}

/** Writes `ca` for dockerd; returns the folder to remove on stop, undefined when not writable. */
function trustInDocker(certsDir: string, host: string, ca: string): string | undefined {
  const dir = join(certsDir, host);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ca.crt'), ca);
    return dir;
  } catch {
    // not root (no /etc/docker): docker pushes then rely on dockerd's built-in loopback rule
    // (docs/registry.md); Flotilla's own clients are unaffected, they trust the CA themselves
    return undefined;
  }
}

/** Starts a docker-registry (Distribution v2) on 127.0.0.1 with filesystem storage and deletes enabled. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<RegistryService> {
  const bin = requireBinary('docker-registry');
  const dir = tempDir('flotilla-registry');
  const port = opts.port ?? (await freePort());
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${String(port)}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
  ];
  const tls = opts.tls;
  if (tls !== undefined) {
    writeFileSync(join(dir, 'tls.crt'), tls.cert);
    writeFileSync(join(dir, 'tls.key'), tls.key, { mode: 0o600 });
    writeFileSync(join(dir, 'ca.crt'), tls.ca);
    lines.push(
      '  tls:',
      `    certificate: ${join(dir, 'tls.crt')}`,
      `    key: ${join(dir, 'tls.key')}`,
    );
  }
  if (opts.htpasswd !== undefined) {
    writeFileSync(join(dir, 'htpasswd'), opts.htpasswd);
    lines.push('auth:', '  htpasswd:', '    realm: flotilla', `    path: ${join(dir, 'htpasswd')}`);
  } else if (opts.token !== undefined) {
    writeFileSync(join(dir, 'token-ca.pem'), opts.token.rootCertBundle);
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${opts.token.realm}`,
      `    service: ${opts.token.service}`,
      `    issuer: ${opts.token.issuer}`,
      `    rootcertbundle: ${join(dir, 'token-ca.pem')}`,
    );
  }
  if (opts.notifyUrl !== undefined) {
    lines.push(
      'notifications:',
      '  endpoints:',
      '    - name: flotilla',
      `      url: ${opts.notifyUrl}`,
      '      timeout: 2s',
      '      threshold: 5',
      '      backoff: 1s',
    );
    const headers = Object.entries(opts.notifyHeaders ?? {});
    if (headers.length > 0) {
      lines.push(
        '      headers:',
        ...headers.map(([k, v]) => `        ${k}: [${JSON.stringify(v)}]`),
      );
    }
  }
  const config = join(dir, 'config.yml');
  // the notification secret is in the config: readable by its owner only
  writeFileSync(config, `${lines.join('\n')}\n`, { mode: 0o600 });
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${String(port)}`;
  const host = `127.0.0.1:${String(port)}`;
  // docker-registry 2.8 has no CA option for notification endpoints; Go reads its trust store from
  // SSL_CERT_FILE, so an https receiver is verified against the set-up's CA and nothing else
  const env = tls ? { ...process.env, SSL_CERT_FILE: join(dir, 'ca.crt') } : process.env;
  let proc: ManagedProcess | undefined;
  const start = async (): Promise<void> => {
    const p = new ManagedProcess({
      command: bin,
      args: ['serve', config],
      logFile: opts.logFile ?? join(dir, 'registry.log'),
      env,
    });
    proc = p;
    await waitFor('docker-registry to serve /v2/', async () => {
      if (!p.running) throw new Error(`docker-registry exited; see ${p.logFile}`);
      return httpOk(`${url}/v2/`, tls ? { ca: tls.ca } : {});
    });
  };
  const certsDir = opts.dockerCertsDir ?? DOCKER_CERTS_DIR;
  const dockerTrust = tls && certsDir !== false ? trustInDocker(certsDir, host, tls.ca) : undefined;
  try {
    await start();
  } catch (err) {
    if (dockerTrust !== undefined) rmSync(dockerTrust, { recursive: true, force: true });
    throw err;
  }
  const kill = async (): Promise<void> => {
    await proc?.stop();
  };
  return {
    host,
    port,
    url,
    ...(tls ? { ca: tls.ca } : {}),
    dataDir: dir,
    start,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
      if (dockerTrust !== undefined) rmSync(dockerTrust, { recursive: true, force: true });
    },
  };
}
