/**
 * `application/vnd.kubernetes.protobuf` request bodies. kubectl's typed commands (`create
 * namespace|configmap|secret|deployment|service|serviceaccount|job|token|role|clusterrole|
 * rolebinding|clusterrolebinding|poddisruptionbudget|ingress|priorityclass|quota`, `autoscale`, `auth can-i`, `drain`) send protobuf; this decodes the Kubernetes envelope (magic `k8s\0`, then `runtime.Unknown`
 * {typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3, contentType=4}) and the object in
 * `raw` to the JSON object the JSON path would have parsed. Responses stay JSON, which every
 * client accepts.
 */
import { BadRequestError, UnsupportedMediaTypeError } from '../../errors/index.js';
import { authSchemas } from './auth-schemas.js';
import { autoscalingSchemas } from './autoscaling-schemas.js';
import { certificatesSchemas } from './certificates-schemas.js';
import { coreSchemas } from './core-schemas.js';
import { eventsSchemas } from './events-schemas.js';
import { deleteOptions } from './meta-schemas.js';
import { networkingSchemas } from './networking-schemas.js';
import { quotaPrioritySchemas } from './quota-priority-schemas.js';
import { rbacSchemas } from './rbac-schemas.js';
import { decodeMessage, type Schema } from './schema.js';
import { readFields } from './wire.js';
import { workloadSchemas } from './workload-schemas.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

const schemas: ReadonlyMap<string, Schema> = new Map([
  ...Object.entries(coreSchemas).map(([kind, s]) => [`v1/${kind}`, s] as const),
  ...Object.entries(workloadSchemas),
  ...Object.entries(authSchemas),
  ...Object.entries(certificatesSchemas),
  ...Object.entries(rbacSchemas),
  ...Object.entries(networkingSchemas),
  ...Object.entries(eventsSchemas),
  ...Object.entries(autoscalingSchemas),
  ...Object.entries(quotaPrioritySchemas),
  // the body of a DELETE from a typed client
  ['v1/DeleteOptions', deleteOptions],
  ['meta.k8s.io/v1/DeleteOptions', deleteOptions],
]);

/**
 * The message schema of a top-level kind (`apiVersion` like `apps/v1`), the one source the
 * protobuf decoder, the OpenAPI documents and field validation share. Undefined when this server
 * has none.
 */
export function kindSchema(apiVersion: string, kind: string): Schema | undefined {
  return schemas.get(`${apiVersion}/${kind}`);
}

/** Whether a body is in the Kubernetes protobuf envelope. */
export function isKubeProtobuf(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(MAGIC);
}

/** Whether a Content-Type names the Kubernetes protobuf encoding. */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().includes('application/vnd.kubernetes.protobuf');
}

/**
 * Decodes a Kubernetes protobuf body to its JSON object (`apiVersion` and `kind` from the
 * envelope). A kind without a schema is 415, so client-go retries the request with JSON.
 * @throws BadRequestError on a malformed body; UnsupportedMediaTypeError for an unknown kind.
 */
export function decodeKubeProtobuf(body: Buffer): Record<string, unknown> {
  if (!isKubeProtobuf(body)) {
    throw new BadRequestError('the protobuf request body lacks the Kubernetes envelope (k8s\\0)');
  }
  let typeMeta: Buffer | undefined;
  let raw: Buffer | undefined;
  let encoding = '';
  for (const f of readFields(body.subarray(4))) {
    if (f.no === 1 && f.bytes) typeMeta = f.bytes;
    else if (f.no === 2 && f.bytes) raw = f.bytes;
    else if (f.no === 3 && f.bytes) encoding = f.bytes.toString('utf8');
  }
  if (encoding !== '') {
    throw new UnsupportedMediaTypeError(`unsupported protobuf content encoding "${encoding}"`);
  }
  let apiVersion = '';
  let kind = '';
  for (const f of readFields(typeMeta ?? Buffer.alloc(0))) {
    if (f.no === 1 && f.bytes) apiVersion = f.bytes.toString('utf8');
    else if (f.no === 2 && f.bytes) kind = f.bytes.toString('utf8');
  }
  const schema = schemas.get(`${apiVersion}/${kind}`);
  if (!schema) {
    throw new UnsupportedMediaTypeError(
      `the server cannot decode ${kind || 'this object'} (${apiVersion || 'no apiVersion'}) from protobuf; use application/json`,
    );
  }
  return { apiVersion, kind, ...decodeMessage(raw ?? Buffer.alloc(0), schema) };
}
