import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { InternalError } from '../errors/index.js';

/**
 * Turns the bytes of an object into the bytes stored in etcd and back (Kubernetes'
 * `value.Transformer`). `key` is the full etcd key; AES-GCM binds the ciphertext to it, so a value
 * copied under another key does not decrypt.
 */
export interface ValueTransformer {
  toStorage(key: string, data: Buffer): Buffer;
  /** `stale` when the bytes were not written by the current (first) provider and key. */
  fromStorage(key: string, data: Buffer): { data: Buffer; stale: boolean };
}

/** One provider and key: writes with its prefix, reads what carries it. */
export interface PrefixedProvider {
  /** e.g. `k8s:enc:aesgcm:v1:key1:`; empty for identity. */
  readonly prefix: string;
  encrypt(key: string, plain: Buffer): Buffer;
  decrypt(key: string, body: Buffer): Buffer;
}

/** Every encrypted value starts with this, so identity never reads ciphertext as JSON. */
export const ENCRYPTED_PREFIX = 'k8s:enc:';

/** Stores bytes as they are (`identity: {}`). */
export const identityProvider: PrefixedProvider = {
  prefix: '',
  encrypt: (_key, plain) => plain,
  decrypt: (_key, body) => body,
};

/** AES-GCM with a random 12-byte nonce: `prefix || nonce || ciphertext || tag(16)`. */
export function aesGcmProvider(name: string, secret: Buffer): PrefixedProvider {
  const algorithm = `aes-${String(secret.length * 8)}-gcm` as CipherGCMTypes;
  return {
    prefix: `${ENCRYPTED_PREFIX}aesgcm:v1:${name}:`,
    encrypt(key, plain) {
      const nonce = randomBytes(12);
      const c = createCipheriv(algorithm, secret, nonce);
      c.setAAD(Buffer.from(key, 'utf8'));
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([nonce, body, c.getAuthTag()]);
    },
    decrypt(key, data) {
      const nonce = data.subarray(0, 12);
      const tag = data.subarray(data.length - 16);
      const d = createDecipheriv(algorithm, secret, nonce);
      d.setAAD(Buffer.from(key, 'utf8'));
      d.setAuthTag(tag);
      return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]);
    },
  };
}

/** AES-CBC with PKCS#7 padding and a random IV: `prefix || iv(16) || ciphertext`. */
export function aesCbcProvider(name: string, secret: Buffer): PrefixedProvider {
  const algorithm = `aes-${String(secret.length * 8)}-cbc` as const;
  return {
    prefix: `${ENCRYPTED_PREFIX}aescbc:v1:${name}:`,
    encrypt(_key, plain) {
      const iv = randomBytes(16);
      const c = createCipheriv(algorithm, secret, iv);
      return Buffer.concat([iv, c.update(plain), c.final()]);
    },
    decrypt(_key, data) {
      const d = createDecipheriv(algorithm, secret, data.subarray(0, 16));
      return Buffer.concat([d.update(data.subarray(16)), d.final()]);
    },
  };
}

/**
 * The first provider writes; every provider reads the values carrying its prefix (identity reads
 * anything without the `k8s:enc:` prefix). This is what makes key rotation work: add the new key
 * first, keep the old one to read, rewrite every object, then drop the old key.
 */
export class PrefixTransformer implements ValueTransformer {
  private readonly providers: readonly PrefixedProvider[];

  constructor(providers: readonly PrefixedProvider[]) {
    if (providers.length === 0) throw new Error('PrefixTransformer needs at least one provider');
    this.providers = providers;
  }

  toStorage(key: string, data: Buffer): Buffer {
    const first = this.providers[0] ?? identityProvider;
    return Buffer.concat([Buffer.from(first.prefix, 'utf8'), first.encrypt(key, data)]);
  }

  fromStorage(key: string, data: Buffer): { data: Buffer; stale: boolean } {
    const encrypted =
      data.subarray(0, ENCRYPTED_PREFIX.length).toString('latin1') === ENCRYPTED_PREFIX;
    for (const [i, p] of this.providers.entries()) {
      if (p.prefix === '' ? encrypted : !startsWith(data, p.prefix)) continue;
      try {
        const plain = p.decrypt(key, data.subarray(p.prefix.length));
        return { data: plain, stale: i !== 0 };
      } catch (err) {
        throw new InternalError(`cannot decrypt ${key}: ${(err as Error).message}`, { cause: err });
      }
    }
    throw new InternalError(
      `cannot decrypt ${key}: no configured provider matches its prefix ${JSON.stringify(
        encrypted
          ? data.subarray(0, 64).toString('latin1').split(':').slice(0, 5).join(':')
          : 'identity',
      )}`,
    );
  }
}

function startsWith(data: Buffer, prefix: string): boolean {
  return data.subarray(0, prefix.length).toString('latin1') === prefix;
}
