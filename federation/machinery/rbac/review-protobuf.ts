/**
 * Decodes the Kubernetes protobuf encoding of the access-review kinds. kubectl's typed clients
 * (`kubectl auth can-i`) send `application/vnd.kubernetes.protobuf` bodies: the magic `k8s\0` and a
 * `runtime.Unknown` whose `raw` field holds the object. Only the fields the reviews read are
 * decoded; answers go back as JSON, which kubectl accepts as well.
 */
import { BadRequestError } from '../errors/index.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** One decoded protobuf field: a varint value or a length-delimited byte range. */
interface Field {
  num: number;
  bytes?: Buffer;
  value?: number;
}

function varint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && shift < 64; i++) {
    const b = buf[i] ?? 0;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, i + 1];
    shift += 7;
  }
  throw new BadRequestError('malformed protobuf body (varint)');
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = varint(buf, pos);
    const num = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      const [value, p2] = varint(buf, p1);
      out.push({ num, value });
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = varint(buf, p1);
      if (p2 + len > buf.length) throw new BadRequestError('malformed protobuf body (length)');
      out.push({ num, bytes: buf.subarray(p2, p2 + len) });
      pos = p2 + len;
    } else if (wire === 1 || wire === 5) {
      pos = p1 + (wire === 1 ? 8 : 4);
    } else {
      throw new BadRequestError(`malformed protobuf body (wire type ${String(wire)})`);
    }
  }
  return out;
}

const str = (fs: Field[], num: number): string | undefined =>
  fs.find((f) => f.num === num)?.bytes?.toString('utf8');
const sub = (fs: Field[], num: number): Field[] | undefined => {
  const b = fs.find((f) => f.num === num)?.bytes;
  return b === undefined ? undefined : fields(b);
};
const strs = (fs: Field[], num: number): string[] =>
  fs.filter((f) => f.num === num && f.bytes).map((f) => f.bytes?.toString('utf8') ?? '');

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function resourceAttributes(fs: Field[] | undefined): Record<string, unknown> | undefined {
  if (!fs) return undefined;
  const [namespace, verb, group, version, resource, subresource, name] = [1, 2, 3, 4, 5, 6, 7].map(
    (n) => str(fs, n),
  );
  return defined({ namespace, verb, group, version, resource, subresource, name });
}

function nonResourceAttributes(fs: Field[] | undefined): Record<string, unknown> | undefined {
  return fs ? defined({ path: str(fs, 1), verb: str(fs, 2) }) : undefined;
}

/** Whether a body is in the Kubernetes protobuf envelope. */
export function isKubeProtobuf(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(MAGIC);
}

/**
 * The review object (as JSON would carry it) from a protobuf body: `kind` from the envelope, and
 * the spec of SelfSubjectAccessReview, SelfSubjectRulesReview or SubjectAccessReview.
 * @throws BadRequestError on a malformed body.
 */
export function decodeReview(body: Buffer): Record<string, unknown> {
  const unknown = fields(body.subarray(4));
  const typeMeta = sub(unknown, 1) ?? [];
  const kind = str(typeMeta, 2) ?? '';
  const raw = unknown.find((f) => f.num === 2)?.bytes ?? Buffer.alloc(0);
  const spec = sub(fields(raw), 2) ?? [];
  let decoded: Record<string, unknown>;
  if (kind === 'SelfSubjectRulesReview') decoded = defined({ namespace: str(spec, 1) });
  else {
    decoded = defined({
      resourceAttributes: resourceAttributes(sub(spec, 1)),
      nonResourceAttributes: nonResourceAttributes(sub(spec, 2)),
      ...(kind === 'SubjectAccessReview'
        ? { user: str(spec, 3), groups: strs(spec, 4), uid: str(spec, 6) }
        : {}),
    });
  }
  return { apiVersion: str(typeMeta, 1), kind, metadata: {}, spec: defined(decoded) };
}
