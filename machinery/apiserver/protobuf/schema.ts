/**
 * Table-driven decoding of Kubernetes protobuf messages into the JSON object the JSON path would
 * produce. Each message is a {@link Schema}: field number → JSON name and type. Go's protobuf
 * marshaller writes every non-pointer scalar, even when empty, while encoding/json omits them
 * (`omitempty`), so zero scalars are dropped unless the field is a pointer (`optional`), where
 * presence means "set, even to zero" (Deployment.spec.replicas: 0).
 */
import { BadRequestError } from '../../errors/index.js';
import { readFields, type WireField } from './wire.js';

/** A scalar or well-known Kubernetes type. */
export type Scalar =
  | 'string'
  | 'int'
  | 'bool'
  /** bytes, base64 in JSON (Secret.data) */
  | 'bytes'
  /** resource.Quantity {string=1}, a string in JSON */
  | 'quantity'
  /** intstr.IntOrString {type=1, intVal=2, strVal=3}, a number or a string in JSON */
  | 'intOrString'
  /** meta/v1 Time {seconds=1, nanos=2}, RFC 3339 in JSON (null when zero, so omitted) */
  | 'time'
  /** meta/v1 MicroTime: Time's wire form, RFC 3339 with microseconds in JSON */
  | 'microTime'
  /** a message wrapping `repeated string items = 1` (authorization ExtraValue), a list in JSON */
  | 'stringList'
  /** a message holding raw JSON in field 1 (meta/v1 FieldsV1, runtime.RawExtension), free-form */
  | 'json';

/** A field's value type: a scalar, or a nested message (a thunk, for messages defined later). */
export type ValueType = Scalar | (() => Schema);

/** How one field number maps to JSON. */
export interface FieldSpec {
  name: string;
  type: ValueType;
  repeated?: boolean;
  /** map<string, type>: repeated entries {key=1, value=2} */
  map?: boolean;
  /** A Go pointer: present means set, so a zero value is kept. */
  optional?: boolean;
  /** An embedded Go struct (`json:",inline"`): its fields merge into the parent object. */
  inline?: boolean;
  /** What the field means, for the OpenAPI documents (`kubectl explain`). */
  description?: string;
  /** The API server refuses an object without it (listed as `required` in OpenAPI). */
  required?: boolean;
}

/** One message: field number → spec. Numbers not listed are skipped. */
export type Schema = Readonly<Record<number, FieldSpec>>;

/** A message's identity for the OpenAPI documents, attached with {@link message}. */
export interface MessageInfo {
  /** The OpenAPI definition name Kubernetes uses, e.g. `io.k8s.api.apps.v1.DeploymentSpec`. */
  name: string;
  description?: string;
  /**
   * The Go type has fields this schema does not list: they are accepted as they are and not
   * reported as unknown (`x-kubernetes-preserve-unknown-fields` in OpenAPI).
   */
  open?: boolean;
}

const messageInfos = new WeakMap<Schema, MessageInfo>();

/** Names a message (and says whether it lists every field) for OpenAPI; returns `fields`. */
export function message(info: MessageInfo, fields: Schema): Schema {
  messageInfos.set(fields, info);
  return fields;
}

/** The info {@link message} attached, if any (anonymous messages are inlined in OpenAPI). */
export function messageInfo(schema: Schema): MessageInfo | undefined {
  return messageInfos.get(schema);
}

const isZero = (v: unknown): boolean => v === '' || v === 0 || v === false;

function wrongWire(spec: FieldSpec): BadRequestError {
  return new BadRequestError(
    `the protobuf request body is malformed (wrong wire type for field ${spec.name})`,
  );
}

function bytesOf(f: WireField, spec: FieldSpec): Buffer {
  if (f.bytes === undefined) throw wrongWire(spec);
  return f.bytes;
}

function varintOf(f: WireField, spec: FieldSpec): bigint {
  if (f.varint === undefined) throw wrongWire(spec);
  return f.varint;
}

/**
 * A protobuf Timestamp as JSON: metav1.Time marshals to whole seconds, metav1.MicroTime to six
 * fraction digits (`2006-01-02T15:04:05.000000Z`).
 */
function rfc3339(seconds: bigint, nanos: number, micro: boolean): string | undefined {
  if (seconds === 0n && nanos === 0) return undefined;
  const iso = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  if (!micro) return `${iso}Z`;
  return `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function parseRawJson(raw: Buffer | undefined, spec: FieldSpec): unknown {
  if (raw === undefined || raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestError(`the protobuf request body is malformed (${spec.name} is not JSON)`);
  }
}

function decodeValue(f: WireField, spec: FieldSpec, type: ValueType): unknown {
  switch (type) {
    case 'string':
      return bytesOf(f, spec).toString('utf8');
    case 'bytes':
      return bytesOf(f, spec).toString('base64');
    case 'int':
      // int32/int64 are plain varints; negative values are 64-bit two's complement
      return Number(BigInt.asIntN(64, varintOf(f, spec)));
    case 'bool':
      return varintOf(f, spec) !== 0n;
    case 'quantity': {
      const q = readFields(bytesOf(f, spec)).find((x) => x.no === 1);
      return q?.bytes?.toString('utf8') ?? '0';
    }
    case 'intOrString': {
      const fs = readFields(bytesOf(f, spec));
      const type = fs.find((x) => x.no === 1)?.varint ?? 0n;
      if (type === 1n) return fs.find((x) => x.no === 3)?.bytes?.toString('utf8') ?? '';
      return Number(BigInt.asIntN(32, fs.find((x) => x.no === 2)?.varint ?? 0n));
    }
    case 'time':
    case 'microTime': {
      const fs = readFields(bytesOf(f, spec));
      const secs = BigInt.asIntN(64, fs.find((x) => x.no === 1)?.varint ?? 0n);
      const nanos = Number(fs.find((x) => x.no === 2)?.varint ?? 0n);
      return rfc3339(secs, nanos, type === 'microTime');
    }
    case 'stringList':
      return readFields(bytesOf(f, spec))
        .filter((x) => x.no === 1)
        .map((x) => bytesOf(x, spec).toString('utf8'));
    case 'json':
      return parseRawJson(readFields(bytesOf(f, spec)).find((x) => x.no === 1)?.bytes, spec);
    default:
      return decodeMessage(bytesOf(f, spec), type());
  }
}

function decodeMapEntry(f: WireField, spec: FieldSpec): [string, unknown] {
  let key = '';
  let value: unknown = spec.type === 'bytes' || spec.type === 'string' ? '' : undefined;
  for (const e of readFields(bytesOf(f, spec))) {
    if (e.no === 1) key = bytesOf(e, spec).toString('utf8');
    else if (e.no === 2) value = decodeValue(e, spec, spec.type);
  }
  return [key, value ?? (typeof spec.type === 'function' ? {} : '')];
}

/**
 * Decodes one message with its schema into a JSON object.
 * @throws BadRequestError on malformed bytes or a field with the wrong wire type.
 */
export function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const spec = schema[f.no];
    if (!spec) continue; // fields this server does not know are skipped, as proto3 requires
    if (spec.map) {
      const m = (out[spec.name] ?? {}) as Record<string, unknown>;
      const [k, v] = decodeMapEntry(f, spec);
      m[k] = v;
      out[spec.name] = m;
      continue;
    }
    const v = decodeValue(f, spec, spec.type);
    if (spec.repeated) {
      const list = (out[spec.name] ?? []) as unknown[];
      list.push(v);
      out[spec.name] = list;
    } else if (spec.inline) {
      Object.assign(out, v);
    } else if (v !== undefined && (spec.optional || !isZero(v))) {
      out[spec.name] = v;
    } else {
      delete out[spec.name];
    }
  }
  return out;
}
