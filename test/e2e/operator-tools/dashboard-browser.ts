// Helpers of the dashboard's browser e2e (dashboard.ts): Debian's Chromium trusting exactly the
// federation API server's key, the set-up's state files, polling, and the test Deployment.
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import puppeteer, { type Browser } from 'puppeteer-core';
import { loadKubeconfig } from '../../../machinery/client/kubeconfig.js';

/** Debian's chromium package. */
const CHROMIUM = '/usr/bin/chromium';

/** `key=value` lines of a local-up state file. */
export function stateFile(state: string, file: string): Map<string, string> {
  return new Map(
    readFileSync(join(state, file), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
}

/** The federation's server URL and CA (PEM) from the `federation` context of the kubeconfig. */
export function federationServer(kubeconfig: string): { url: URL; ca: string } {
  const conn = loadKubeconfig(kubeconfig, 'federation');
  if (!conn.caData) throw new Error(`the federation context of ${kubeconfig} has no CA`);
  return { url: new URL(conn.server), ca: Buffer.from(conn.caData, 'base64').toString('utf8') };
}

/**
 * The base64 SHA-256 of the API server certificate's public key, after Node verified that
 * certificate against the set-up's CA: Chromium then trusts exactly that key
 * (`--ignore-certificate-errors-spki-list`) instead of ignoring certificate errors altogether.
 */
function verifiedSpkiHash(url: URL, ca: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(
      { host: url.hostname, port: Number(url.port), ca, servername: url.hostname },
      () => {
        const cert = socket.getPeerX509Certificate();
        socket.end();
        if (!cert) return fail(new Error('the API server sent no certificate'));
        const spki = new X509Certificate(cert.raw).publicKey.export({
          type: 'spki',
          format: 'der',
        });
        done(createHash('sha256').update(spki).digest('base64'));
      },
    );
    socket.on('error', fail);
  });
}

/** Polls `fn` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Starts Debian's headless Chromium with a fresh profile; it trusts the federation API server's
 * key after Node verified its certificate against the set-up's CA.
 */
export async function launchChromium(kubeconfig: string, profile: string): Promise<Browser> {
  const { url, ca } = federationServer(kubeconfig);
  const spki = await verifiedSpkiHash(url, ca);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${spki}`,
    ],
  });
}

/** A Deployment of 4 replicas divided 3:1 between member1 and member2, and its policy. */
export function dividedDeployment(name: string, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, labels: { app: ${name} } }
spec:
  replicas: 4
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers: [{ name: httpd, image: ${image} }]
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: { name: ${name} }
spec:
  resourceSelectors: [{ apiVersion: apps/v1, kind: Deployment, name: ${name} }]
  placement:
    clusterAffinity: { clusterNames: [member1, member2] }
    replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference:
        staticWeightList:
          - { targetCluster: { clusterNames: [member1] }, weight: 3 }
          - { targetCluster: { clusterNames: [member2] }, weight: 1 }
`;
}
