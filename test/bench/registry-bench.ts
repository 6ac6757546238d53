/**
 * Registry benchmark: wall time of our digest-preserving copy between two local docker-registry
 * servers against `skopeo copy` of the same image between the same registries, in one run.
 * Also the re-copy of an unchanged image (goal ≤ 0.2× skopeo's fresh copy).
 *
 * Like with like: both tools copy the same image by digest from the same source registry into a
 * freshly started, empty target registry for every trial (skopeo's blob-info cache cannot turn a
 * copy into a cross-repository mount, and neither tool finds blobs left by an earlier trial),
 * after one untimed warm-up copy each; trials alternate (ABBA) so drift in machine load hits both,
 * and each side reports its median.
 * Run: `npx tsx test/bench/registry-bench.ts [layers] [MiB per layer] [trials]` (default 4 8 4;
 * the single-layer goal of issue #15 is `1 200`).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRegistry, type RegistryService } from '../../hack/lib/services.js';
import { copyImage, OciClient, pushRandomImage } from '../../registry/index.js';
import { isMain, percentile, printResults, type BenchResult } from './bench-result.js';

const run = promisify(execFile);

/**
 * Runs the registry benchmark with an image of `layers` random layers of `mb` MiB each, timing
 * `trials` fresh copies per tool (plus one warm-up each).
 */
export async function runRegistryBench(layers = 4, mb = 8, trials = 4): Promise<BenchResult[]> {
  const src = await startRegistry();
  // a real image with `layers` separate layers (pushed through the OCI client: `docker import`
  // makes a single layer), so the copy's concurrent layer transfer is what is measured
  const image = await pushRandomImage(new OciClient({ url: src.url }), 'bench/image', {
    layers,
    layerBytes: mb * 1024 * 1024,
    tag: '1',
  });
  const digest = image.digest;
  if (image.blobs.length !== layers + 1) throw new Error('expected one blob per layer plus config');
  const skopeo = async (dst: RegistryService): Promise<void> => {
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--preserve-digests',
      `docker://${src.host}/bench/image@${digest}`,
      `docker://${dst.host}/bench/image:1`,
    ]);
  };
  const ours = async (dst: RegistryService): Promise<void> => {
    await copyImage(
      new OciClient({ url: src.url }),
      new OciClient({ url: dst.url }),
      'bench/image',
      digest,
      {
        tag: '1',
      },
    );
  };
  /** Wall time of one copy into a fresh target registry (started, checked and removed untimed). */
  const trial = async (copy: (dst: RegistryService) => Promise<void>): Promise<number> => {
    const dst = await startRegistry();
    try {
      const t = performance.now();
      await copy(dst);
      const ms = performance.now() - t;
      if ((await new OciClient({ url: dst.url }).headManifest('bench/image', '1')) !== digest) {
        throw new Error('copy did not preserve the digest');
      }
      return ms;
    } finally {
      await dst.stop();
    }
  };
  await trial(skopeo);
  await trial(ours);
  const skopeoMs: number[] = [];
  const oursMs: number[] = [];
  for (let i = 0; i < trials; i++) {
    if (i % 2 === 0) {
      skopeoMs.push(await trial(skopeo));
      oursMs.push(await trial(ours));
    } else {
      oursMs.push(await trial(ours));
      skopeoMs.push(await trial(skopeo));
    }
  }
  // re-copy: the same copy again into a target that already has the image and tag
  let recopyMs = 0;
  await trial(async (dst) => {
    await ours(dst);
    const t = performance.now();
    await ours(dst);
    recopyMs = performance.now() - t;
  });
  await src.stop();
  const skopeoMedian = percentile(skopeoMs, 50);
  const oursMedian = percentile(oursMs, 50);
  return [
    {
      name: `image copy (${String(layers)}×${String(mb)} MiB)`,
      unit: 'ms',
      ours: oursMedian,
      reference: skopeoMedian,
      referenceName: 'skopeo copy',
      ratio: oursMedian / skopeoMedian,
    },
    {
      name: 're-copy of an unchanged image',
      unit: 'ms',
      ours: recopyMs,
      reference: skopeoMedian,
      referenceName: 'skopeo fresh copy',
      ratio: recopyMs / skopeoMedian,
    },
  ];
}

if (isMain(import.meta.url)) {
  const [layers, mb, trials] = process.argv.slice(2).map(Number);
  printResults(await runRegistryBench(layers, mb, trials));
}
