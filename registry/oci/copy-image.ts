import type { OciClient } from './oci-client.js';

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
  /** Blobs transferred at once (across all manifests of the copy). @defaultValue 6 */
  concurrency?: number;
}

/**
 * Copies `repo@digest` from `src` to `dst` (repository `targetRepository`, default `repo`),
 * preserving the digest. For each manifest the target is asked (HEAD) while the source manifest is
 * already being fetched; a manifest the target has is done. Otherwise the children of an index
 * and the config and layers of an image are copied concurrently (at most `concurrency` blobs at
 * once, largest first, each blob once per copy): skipped when the target has them, mounted from the
 * source repository when both sides are the same registry, else streamed and verified. Finally the
 * exact manifest bytes are pushed: under `tag` for the top manifest when given (which also makes
 * them addressable by the digest; the registry's digest is checked), else under the digest.
 * Re-running a finished copy only issues HEADs (and one manifest GET).
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

  // a slot is handed straight from a finishing blob to the next waiting one
  const limit = Math.max(1, opts.concurrency ?? 6);
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (active < limit) {
      active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };

  const blobCopies = new Map<string, Promise<void>>();
  const transfer = async (blob: string): Promise<void> => {
    await acquire();
    try {
      if (await dst.hasBlob(to, blob)) {
        progress.blobsSkipped++;
      } else if (mountable && (await dst.mountBlob(to, blob, repo))) {
        progress.blobsDone++;
      } else {
        progress.bytesDone += await dst.streamBlobFrom(src, to, blob, repo);
        progress.blobsDone++;
      }
      report();
    } finally {
      release();
    }
  };
  const copyBlob = (blob: string): Promise<void> => {
    let copying = blobCopies.get(blob);
    if (!copying) {
      progress.blobsTotal++;
      copying = transfer(blob);
      blobCopies.set(blob, copying);
    }
    return copying;
  };

  const copyManifest = async (d: string, tag?: string): Promise<void> => {
    const fetching = src.getManifest(repo, d);
    // unused (and its failure irrelevant) when the target already has the manifest and tag
    fetching.catch(() => undefined);
    if ((await dst.headManifest(to, d)) === d) {
      if (tag !== undefined && (await dst.headManifest(to, tag)) !== d) {
        await dst.putManifest(to, tag, await fetching);
      }
      return;
    }
    const m = await fetching;
    const json = JSON.parse(m.bytes.toString('utf8')) as ManifestJson;
    const blobs = [...(json.config ? [json.config] : []), ...(json.layers ?? [])].sort(
      (a, b) => (b.size ?? 0) - (a.size ?? 0),
    );
    const copies = [
      ...(json.manifests ?? []).map((child) => copyManifest(child.digest)),
      ...blobs.map((b) => copyBlob(b.digest)),
    ];
    report();
    // wait for every copy to settle before failing, so none runs on after the copy returns
    const failed = (await Promise.allSettled(copies)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    await dst.putManifest(to, tag ?? d, m);
  };

  await copyManifest(digest, opts.tag);
  report();
  return progress;
}
