import type { Context } from 'koa';

/**
 * A minimal OpenAPI v2 document. kubectl downloads /openapi/v2 (as protobuf) for client-side
 * validation and skips kinds the document does not define, leaving validation to the server
 * (every ResourceType validates on create/update and answers 422 with field causes).
 */
const SWAGGER = {
  swagger: '2.0',
  info: { title: 'Flotilla', version: 'v1.32.0' },
  paths: {},
  definitions: {},
};

/** gnostic openapi_v2.Document {swagger: "2.0", info: {title: "Flotilla", version: "v1.32.0"}} in protobuf. */
function protobufDocument(): Buffer {
  const str = (field: number, s: string): Buffer =>
    Buffer.concat([Buffer.from([(field << 3) | 2, s.length]), Buffer.from(s)]);
  const info = Buffer.concat([str(1, 'Flotilla'), str(2, 'v1.32.0')]);
  return Buffer.concat([str(1, '2.0'), Buffer.from([(2 << 3) | 2, info.length]), info]);
}

/** Serves /openapi/v2 in JSON or protobuf, by Accept header. */
export function serveOpenApiV2(ctx: Context): void {
  if ((ctx.get('accept') || '').includes('protobuf')) {
    ctx.type = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
    ctx.body = protobufDocument();
    return;
  }
  ctx.type = 'application/json';
  ctx.body = SWAGGER;
}
