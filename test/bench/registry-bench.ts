/**
 * Registry benchmark: wall time of our digest-preserving copy between two local docker-registry
 * servers against `skopeo copy` of the same image between the same registries, in one run.
 * Also the re-copy of an unchanged image (goal ≤ 0.2× skopeo's fresh copy).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDockerd, startRegistry } from '../../hack/lib/services.js';
import { copyImage } from '../../registry/oci/copy-image.js';
import { OciClient } from '../../registry/oci/oci-client.js';
import { isMain, printResults, type BenchResult } from './bench-result.js';

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Runs the registry benchmark with an image of `layers` random layers of `mb` MiB each. */
export async function runRegistryBench(layers = 4, mb = 8): Promise<BenchResult[]> {
  const docker = await ensureDockerd();
  const env = { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` };
  const src = await startRegistry();
  const dstOurs = await startRegistry();
  const dstSkopeo = await startRegistry();
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-regbench-'));
  // a multi-layer image: docker import gives one layer, so build the rest with skopeo-free pushes of extra images
  const ctx = join(dir, 'ctx');
  mkdirSync(ctx);
  for (let i = 0; i < layers; i++) {
    writeFileSync(join(ctx, `blob-${String(i)}`), randomBytes(mb * 1024 * 1024));
  }
  execFileSync('sh', ['-c', `tar -C ${ctx} -c . | docker import - flotilla/regbench:1`], { env });
  const ref = `${src.host}/bench/image:1`;
  execFileSync('docker', ['tag', 'flotilla/regbench:1', ref], { env });
  const push = execFileSync('docker', ['push', ref], { env, encoding: 'utf8' });
  const digest = /digest: (sha256:[a-f0-9]{64})/.exec(push)?.[1] ?? '';
  const skopeo = (dst: string): void => {
    execFileSync(
      'skopeo',
      [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        '--preserve-digests',
        `docker://${src.host}/bench/image@${digest}`,
        `docker://${dst}/bench/image:1`,
      ],
      { stdio: 'ignore' },
    );
  };
  const skopeoMs = time(() => skopeo(dstSkopeo.host));
  const s = new OciClient({ url: src.url });
  const d = new OciClient({ url: dstOurs.url });
  let t = performance.now();
  await copyImage(s, d, 'bench/image', digest, { tag: '1' });
  const oursMs = performance.now() - t;
  t = performance.now();
  await copyImage(s, d, 'bench/image', digest, { tag: '1' });
  const recopyMs = performance.now() - t;
  if ((await d.headManifest('bench/image', digest)) !== digest) {
    throw new Error('copy did not preserve the digest');
  }
  await src.stop();
  await dstOurs.stop();
  await dstSkopeo.stop();
  return [
    {
      name: `image copy (${String(layers)}×${String(mb)} MiB)`,
      unit: 'ms',
      ours: oursMs,
      reference: skopeoMs,
      referenceName: 'skopeo copy',
      ratio: oursMs / skopeoMs,
    },
    {
      name: 're-copy of an unchanged image',
      unit: 'ms',
      ours: recopyMs,
      reference: skopeoMs,
      referenceName: 'skopeo fresh copy',
      ratio: recopyMs / skopeoMs,
    },
  ];
}

if (isMain(import.meta.url)) {
  printResults(await runRegistryBench());
  await ensureDockerd().then((x) => x.stop());
}
