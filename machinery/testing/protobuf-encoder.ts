/**
 * A minimal protobuf encoder for tests of the Kubernetes protobuf decoding: builds message bytes
 * field by field, and the `k8s\0` + runtime.Unknown envelope a typed client sends.
 */

/** A base-128 varint of `n` as protobuf writes int64 (negative numbers as 10 bytes). */
function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return out;
}

/** Varint field `no` holding `v`. */
export const int = (no: number, v: number): number[] => [
  ...varint(BigInt(no << 3)),
  ...varint(BigInt(v)),
];

/** Length-delimited field `no` holding bytes or a UTF-8 string. */
export const len = (no: number, b: number[] | string): number[] => {
  const bytes = typeof b === 'string' ? [...Buffer.from(b)] : b;
  return [...varint(BigInt((no << 3) | 2)), ...varint(BigInt(bytes.length)), ...bytes];
};

/** A request body as kubectl sends it: `k8s\0`, then runtime.Unknown{typeMeta, raw}. */
export const envelope = (apiVersion: string, kind: string, raw: number[]): Buffer =>
  Buffer.from([
    ...[0x6b, 0x38, 0x73, 0x00],
    ...len(1, [...len(1, apiVersion), ...len(2, kind)]),
    ...len(2, raw),
  ]);
