import type { Manifest, OciClient } from './oci-client.js';

/** Progress of one copy. */
export interface CopyProgress {
  blobsTotal: number;
  blobsDone: number;
  blobsSkipped: number;
  bytesDone: number;
}

interface ManifestJson {
  mediaType?: string;
  manifests?: { digest: string }[];
  config?: { digest: string; size?: number };
  layers?: { digest: string; size?: number }[];
}

/** Options for {@link copyImage}. */
export interface CopyImageOptions {
  /** Also point this tag at the copied manifest. */
  tag?: string;
  /** Repository on `dst`. @defaultValue the source repository */
  targetRepository?: string;
  onProgress?: (p: CopyProgress) => void;
  /** Blobs copied at once per manifest. @defaultValue 4 */
  concurrency?: number;
}

/**
 * Copies `repo@digest` from `src` to `dst` (repository `targetRepository`, default `repo`),
 * preserving the digest: child manifests of an index first, then for each image its config and
 * layers (skipped when the target has them, mounted from the source repository when both sides are
 * the same registry, else streamed and verified), and finally the exact manifest bytes under the
 * digest (and `tag` if given). Re-running a finished copy only issues HEADs.
 */
export async function copyImage(
  src: OciClient,
  dst: OciClient,
  repo: string,
  digest: string,
  opts: CopyImageOptions = {},
): Promise<CopyProgress> {
  const to = opts.targetRepository ?? repo;
  // a mount needs the blob in another repository of the same registry
  const mountable = src.url === dst.url && to !== repo;
  const progress: CopyProgress = { blobsTotal: 0, blobsDone: 0, blobsSkipped: 0, bytesDone: 0 };
  const report = (): void => opts.onProgress?.({ ...progress });
  const copyManifest = async (d: string): Promise<Manifest> => {
    if ((await dst.headManifest(to, d)) === d) {
      return { bytes: Buffer.alloc(0), mediaType: '', digest: d };
    }
    const m = await src.getManifest(repo, d);
    const json = JSON.parse(m.bytes.toString('utf8')) as ManifestJson;
    for (const child of json.manifests ?? []) await copyManifest(child.digest);
    const blobs = [...(json.config ? [json.config] : []), ...(json.layers ?? [])];
    progress.blobsTotal += blobs.length;
    report();
    // layers are independent: copy up to `concurrency` at once, streaming each
    const queue = [...blobs];
    const worker = async (): Promise<void> => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        if (await dst.hasBlob(to, b.digest)) {
          progress.blobsSkipped++;
        } else if (mountable && (await dst.mountBlob(to, b.digest, repo))) {
          progress.blobsDone++;
        } else {
          progress.bytesDone += await dst.streamBlobFrom(src, to, b.digest, repo);
          progress.blobsDone++;
        }
        report();
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(opts.concurrency ?? 4, Math.max(1, blobs.length)) }, worker),
    );
    await dst.putManifest(to, d, m);
    return m;
  };
  const top = await copyManifest(digest);
  if (opts.tag) {
    const cur = await dst.headManifest(to, opts.tag);
    if (cur !== digest) {
      await dst.putManifest(
        to,
        opts.tag,
        top.bytes.length > 0 ? top : await src.getManifest(repo, digest),
      );
    }
  }
  report();
  return progress;
}
