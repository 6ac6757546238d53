/**
 * Registry benchmark: wall time of our digest-preserving copy between two local docker-registry
 * servers against `skopeo copy` of the same image between the same registries, in one run.
 * Also the re-copy of an unchanged image (goal ≤ 0.2× skopeo's fresh copy).
 */
import { execFileSync } from 'node:child_process';
import { startRegistry } from '../../hack/lib/services.js';
import { copyImage, OciClient, pushRandomImage } from '../../registry/index.js';
import { isMain, printResults, type BenchResult } from './bench-result.js';

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Runs the registry benchmark with an image of `layers` random layers of `mb` MiB each. */
export async function runRegistryBench(layers = 4, mb = 8): Promise<BenchResult[]> {
  const src = await startRegistry();
  const dstOurs = await startRegistry();
  const dstSkopeo = await startRegistry();
  // a real image with `layers` separate layers (pushed through the OCI client: `docker import`
  // makes a single layer), so the copy's concurrent layer transfer is what is measured
  const image = await pushRandomImage(new OciClient({ url: src.url }), 'bench/image', {
    layers,
    layerBytes: mb * 1024 * 1024,
    tag: '1',
  });
  const digest = image.digest;
  if (image.blobs.length !== layers + 1) throw new Error('expected one blob per layer plus config');
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
}
