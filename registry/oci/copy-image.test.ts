import { describe, expect, it } from 'vitest';
import { RegistryHttpError } from '../errors/registry-http-error.js';
import { copyImage } from './copy-image.js';
import { sha256, type Manifest, type OciClient } from './oci-client.js';

const blob = (s: string): string => sha256(Buffer.from(s));

/** A source holding one image of three blobs, one of which is gone when it is fetched. */
function fixture(goneBlob: string) {
  const layers = ['config', 'layer-a', 'layer-b'].map((s) => ({ digest: blob(s), size: 10 }));
  const [config, ...rest] = layers;
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers: rest }));
  const manifest: Manifest = {
    bytes,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: sha256(bytes),
  };
  const pushed: string[] = [];
  const src = {
    url: 'http://127.0.0.1:1',
    getManifest: () => Promise.resolve(manifest),
  } as unknown as OciClient;
  const dst = {
    url: 'http://127.0.0.1:2',
    headManifest: () => Promise.resolve(undefined),
    hasBlob: () => Promise.resolve(false),
    streamBlobFrom: (_src: OciClient, repo: string, digest: string) => {
      if (digest === goneBlob) {
        return Promise.reject(
          new RegistryHttpError(
            `http://127.0.0.1:1/v2/${repo}/blobs/${digest}`,
            404,
            JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN' }] }),
          ),
        );
      }
      pushed.push(`blob ${digest}`);
      return Promise.resolve(10);
    },
    putManifest: (_repo: string, ref: string) => {
      pushed.push(`manifest ${ref}`);
      return Promise.resolve();
    },
  } as unknown as OciClient;
  return { src, dst, manifest, pushed };
}

describe('copyImage with a source blob gone', () => {
  it('fails with the blob fetch error and never pushes the manifest', async () => {
    const gone = blob('layer-a');
    const { src, dst, manifest, pushed } = fixture(gone);
    const err = await copyImage(src, dst, 'app/web', manifest.digest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryHttpError);
    expect((err as RegistryHttpError).code).toBe('BLOB_UNKNOWN');
    // the other blobs were copied (they settle before the failure is thrown); the manifest not
    expect(pushed.sort()).toEqual([`blob ${blob('config')}`, `blob ${blob('layer-b')}`].sort());
  });

  it('pushes the manifest last when every blob arrived', async () => {
    const { src, dst, manifest, pushed } = fixture('none');
    await copyImage(src, dst, 'app/web', manifest.digest);
    expect(pushed).toHaveLength(4);
    expect(pushed.at(-1)).toBe(`manifest ${manifest.digest}`);
  });
});

/** A source image of `n` layers and a target recording the blob operations, how many at once. */
function wideFixture(n: number, sameRegistry: boolean) {
  const layers = Array.from({ length: n }, (_, i) => ({
    digest: blob(`layer-${String(i)}`),
    size: i,
  }));
  const config = { digest: blob('config'), size: 1 };
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers }));
  const manifest: Manifest = {
    bytes,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: sha256(bytes),
  };
  const ops: string[] = [];
  let running = 0;
  let peak = 0;
  /** Holds one blob operation open for a few event-loop turns, counting those running at once. */
  const busy = async (op: string): Promise<void> => {
    running++;
    peak = Math.max(peak, running);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    running--;
    ops.push(op);
  };
  const src = {
    url: 'http://127.0.0.1:1',
    getManifest: () => Promise.resolve(manifest),
  } as unknown as OciClient;
  const dst = {
    url: sameRegistry ? 'http://127.0.0.1:1' : 'http://127.0.0.1:2',
    headManifest: () => Promise.resolve(undefined),
    hasBlob: () => Promise.resolve(false),
    mountBlob: async (repo: string, digest: string, from: string) => {
      await busy(`mount ${repo}@${digest} from ${from}`);
      return true;
    },
    streamBlobFrom: async (_src: OciClient, repo: string, digest: string) => {
      await busy(`stream ${repo}@${digest}`);
      return 1;
    },
    putManifest: (_repo: string, ref: string) => {
      ops.push(`manifest ${ref}`);
      return Promise.resolve();
    },
  } as unknown as OciClient;
  const digests = [config, ...layers].map((l) => l.digest);
  return { src, dst, manifest, ops, digests, peak: () => peak };
}

describe('copyImage blob transfers', () => {
  it('copies blobs in parallel, at most `concurrency` at once, each digest once, manifest last', async () => {
    const { src, dst, manifest, ops, digests, peak } = wideFixture(9, false);
    const p = await copyImage(src, dst, 'app/web', manifest.digest, { concurrency: 4 });
    expect(peak()).toBe(4);
    expect(ops.slice(0, -1).sort()).toEqual(digests.map((d) => `stream app/web@${d}`).sort());
    expect(ops.at(-1)).toBe(`manifest ${manifest.digest}`);
    expect(p).toMatchObject({ blobsTotal: 10, blobsDone: 10, blobsSkipped: 0 });
  });

  it('mounts every blob from the source repository when both sides are one registry', async () => {
    const { src, dst, manifest, ops, digests } = wideFixture(3, true);
    await copyImage(src, dst, 'dev/web', manifest.digest, { targetRepository: 'prod/web' });
    expect(ops.slice(0, -1).sort()).toEqual(
      digests.map((d) => `mount prod/web@${d} from dev/web`).sort(),
    );
  });
});
