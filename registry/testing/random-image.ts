import { randomBytes } from 'node:crypto';
import { sha256, type OciClient } from '../oci/oci-client.js';

/** Options for {@link pushRandomImage}. */
export interface RandomImageOptions {
  /** Number of layers. @defaultValue 4 */
  layers?: number;
  /** Random bytes in each layer's single file. @defaultValue 1 MiB */
  layerBytes?: number;
  /** Also tag the manifest. */
  tag?: string;
}

/** What {@link pushRandomImage} pushed. */
export interface RandomImage {
  digest: string;
  /** Config first, then the layers. */
  blobs: { digest: string; size: number }[];
  /** Sum of blob sizes. */
  bytes: number;
}

/** A ustar archive with one regular file (uncompressed layers are valid OCI layers). */
function tarWithFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (off: number, len: number, value: string): void => {
    header.write(value.slice(0, len), off, 'ascii');
  };
  const octal = (n: number, len: number): string => `${n.toString(8).padStart(len - 1, '0')}\0`;
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

/**
 * Pushes a real multi-layer OCI image (uncompressed tar layers of random data, a config whose
 * `rootfs.diff_ids` match them) straight to a registry through the OCI client, and returns its
 * digest. For tests and benchmarks that need several layers (`docker import` makes only one).
 */
export async function pushRandomImage(
  client: OciClient,
  repo: string,
  opts: RandomImageOptions = {},
): Promise<RandomImage> {
  const layers = Array.from({ length: opts.layers ?? 4 }, (_, i) =>
    tarWithFile(`layer-${String(i)}.bin`, randomBytes(opts.layerBytes ?? 1024 * 1024)),
  );
  const layerDescs = layers.map((bytes) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest: sha256(bytes),
    size: bytes.length,
  }));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: layerDescs.map((l) => l.digest) },
    }),
  );
  const configDesc = {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: sha256(config),
    size: config.length,
  };
  await client.uploadBlob(repo, configDesc.digest, config);
  await Promise.all(
    layers.map((bytes, i) => client.uploadBlob(repo, layerDescs[i]?.digest ?? '', bytes)),
  );
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType, config: configDesc, layers: layerDescs }),
  );
  const digest = sha256(manifest);
  await client.putManifest(repo, digest, { bytes: manifest, mediaType, digest });
  if (opts.tag !== undefined) {
    await client.putManifest(repo, opts.tag, { bytes: manifest, mediaType, digest });
  }
  const blobs = [configDesc, ...layerDescs].map(({ digest: d, size }) => ({ digest: d, size }));
  return { digest, blobs, bytes: blobs.reduce((n, b) => n + b.size, 0) };
}
