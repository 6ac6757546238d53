// The kubelet API's streaming endpoints without Docker: exec over WebSocket (v5.channel.k8s.io)
// on the hollow runtime (stdout, stdin, the exit Status), the refusals before the upgrade, and
// the SPDY/3.1 session of port forwarding against a zlib client using the SPDY dictionary.
import { createDeflate, constants as zlibConstants, inflateSync, type Deflate } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import { selfSignedCert } from '../../machinery/apiserver/index.js';
import type { Pod } from '../../api/index.js';
import { KUBELET_API_CLIENT_USER } from '../cluster/member-bootstrap-policy.js';
import { LABEL_CONTAINER, LABEL_POD_UID } from './container-runtime.js';
import { HollowRuntime } from './hollow-runtime.js';
import { KubeletServer } from './kubelet-server.js';
import { SPDY_DICTIONARY, SpdyServerSession, type SpdyHeaders } from './spdy-session.js';

const HOST = '127.0.79.1';
const ca = CertificateAuthority.create('streaming-test-ca');
const apiserver = ca.clientCert(KUBELET_API_CLIENT_USER);
const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'uid-1' },
  spec: { nodeName: 'n', containers: [{ name: 'c', image: 'x' }] },
};
let server: KubeletServer;
let port: number;

beforeAll(async () => {
  const runtime = new HollowRuntime();
  const id = await runtime.create({
    name: 'c',
    image: 'x',
    env: {},
    labels: { [LABEL_POD_UID]: 'uid-1', [LABEL_CONTAINER]: 'c' },
    ports: [],
  });
  await runtime.start(id);
  const serving = selfSignedCert([HOST], []);
  server = new KubeletServer({
    host: HOST,
    port: 0,
    cert: serving.cert,
    key: serving.key,
    clientCa: ca.cert,
    runtime,
    pods: () => [pod],
  });
  port = await server.listen();
});

afterAll(async () => {
  await server.close();
});

interface Session {
  channels: Map<number, string>;
  close: { code: number };
  protocol: string;
}

/** Runs one exec over WebSocket; `stdin` is sent, then closed with the v5 close signal. */
function exec(query: string, stdin?: string, protocol = 'v5.channel.k8s.io'): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `wss://${HOST}:${String(port)}/exec/default/p/c?${query}`,
      [protocol],
      {
        cert: apiserver.cert,
        key: apiserver.key,
        rejectUnauthorized: false,
      },
    );
    const channels = new Map<number, string>();
    ws.on('open', () => {
      if (stdin !== undefined) {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(stdin)]));
        ws.send(Buffer.from([255, 0]));
      }
    });
    ws.on('message', (data: Buffer) => {
      const ch = data[0] ?? -1;
      channels.set(ch, (channels.get(ch) ?? '') + data.subarray(1).toString());
    });
    ws.on('close', (code) => {
      resolve({ channels, close: { code }, protocol: ws.protocol });
    });
    ws.on('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${String(res.statusCode)}`));
    });
    ws.on('error', reject);
  });
}

describe('kubelet exec over WebSocket (hollow runtime)', () => {
  it('reports stdout and a non-zero exit code as the kubelet does', async () => {
    const s = await exec('command=sh&command=-c&command=exit%203&stdout=true&stderr=true');
    expect(s.protocol).toBe('v5.channel.k8s.io');
    expect(s.channels.get(1)).toBe('sh -c exit 3\n');
    expect(JSON.parse(s.channels.get(3) ?? '{}')).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    expect(s.close.code).toBe(1000);
  });

  it('passes stdin until the v5 close signal, then reports Success', async () => {
    const s = await exec('command=cat&stdin=true&stdout=true', 'some input');
    expect(s.channels.get(1)).toBe('cat\nsome input');
    expect(JSON.parse(s.channels.get(3) ?? '{}')).toEqual({ metadata: {}, status: 'Success' });
  });

  it('speaks v4.channel.k8s.io too', async () => {
    const s = await exec('command=true&stdout=1', undefined, 'v4.channel.k8s.io');
    expect(s.protocol).toBe('v4.channel.k8s.io');
    expect(JSON.parse(s.channels.get(3) ?? '{}')).toEqual({ metadata: {}, status: 'Success' });
  });

  it('refuses unknown subprotocols, SPDY and strangers before upgrading', async () => {
    await expect(exec('command=true', undefined, 'base64.channel.k8s.io')).rejects.toThrow(
      'HTTP 400',
    );
    const stranger = new WebSocket(
      `wss://${HOST}:${String(port)}/exec/default/p/c?command=true`,
      ['v5.channel.k8s.io'],
      { rejectUnauthorized: false },
    );
    const code = await new Promise<number | undefined>((resolve) => {
      stranger.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      stranger.on('error', () => resolve(undefined));
    });
    expect(code).toBe(401);
  });

  it('reports an unknown pod on the error channel after the upgrade', async () => {
    const s = await new Promise<Session>((resolve, reject) => {
      const ws = new WebSocket(
        `wss://${HOST}:${String(port)}/exec/default/nope/c?command=true`,
        ['v5.channel.k8s.io'],
        { cert: apiserver.cert, key: apiserver.key, rejectUnauthorized: false },
      );
      const channels = new Map<number, string>();
      ws.on('message', (d: Buffer) => channels.set(d[0] ?? -1, d.subarray(1).toString()));
      ws.on('close', (code) => resolve({ channels, close: { code }, protocol: ws.protocol }));
      ws.on('error', reject);
    });
    expect(JSON.parse(s.channels.get(3) ?? '{}')).toMatchObject({
      status: 'Failure',
      message: expect.stringContaining('not found') as unknown,
    });
  });
});

/** An SPDY/3 client side: header blocks compressed with one zlib stream and the dictionary. */
class Client {
  private readonly deflate: Deflate = createDeflate({ dictionary: SPDY_DICTIONARY });
  private readonly out: Buffer[] = [];
  private replies = Buffer.alloc(0);

  constructor() {
    this.deflate.on('data', (c: Buffer) => this.out.push(c));
  }

  async synStream(id: number, headers: SpdyHeaders, fin = false): Promise<Buffer> {
    const entries = Object.entries(headers);
    const words: Buffer[] = [];
    const u32 = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n, 0);
      return b;
    };
    words.push(u32(entries.length));
    for (const [k, v] of entries) {
      words.push(u32(k.length), Buffer.from(k), u32(v.length), Buffer.from(v));
    }
    this.deflate.write(Buffer.concat(words));
    await new Promise<void>((r) => this.deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => r()));
    await new Promise<void>((r) => setImmediate(r));
    const block = Buffer.concat(this.out.splice(0));
    const body = Buffer.concat([u32(id), u32(0), Buffer.from([0, 0]), block]);
    const head = Buffer.alloc(8);
    head.writeUInt16BE(0x8003, 0);
    head.writeUInt16BE(1, 2);
    head.writeUInt32BE(((fin ? 1 : 0) << 24) | body.length, 4);
    return Buffer.concat([head, body]);
  }

  /** The headers of a SYN_REPLY frame from the server (its zlib stream read so far). */
  replyHeaders(frame: Buffer): { id: number; count: number } {
    expect(frame.readUInt16BE(0)).toBe(0x8003);
    expect(frame.readUInt16BE(2)).toBe(2);
    this.replies = Buffer.concat([this.replies, frame.subarray(12)]);
    const all = inflateSync(this.replies, {
      dictionary: SPDY_DICTIONARY,
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
    });
    return { id: frame.readUInt32BE(8), count: all.readUInt32BE(all.length - 4) };
  }
}

describe('SPDY/3.1 server session', () => {
  it('reads SYN_STREAM headers, replies, echoes PING, passes DATA and FIN', async () => {
    const sent: Buffer[] = [];
    const streams: [number, SpdyHeaders][] = [];
    const data: [number, string, boolean][] = [];
    const session = new SpdyServerSession((b) => sent.push(b), {
      onStream: (id, h) => streams.push([id, h]),
      onData: (id, d, fin) => data.push([id, d.toString(), fin]),
      onReset: () => undefined,
      onError: (e) => {
        throw e;
      },
    });
    const client = new Client();
    const h = { streamType: 'error', port: '8080', requestID: '0' };
    const syn1 = await client.synStream(1, h, true);
    // split across messages, as kubectl's tunneling writes frames piecewise
    session.receive(syn1.subarray(0, 3));
    session.receive(syn1.subarray(3));
    session.receive(await client.synStream(3, { ...h, streamType: 'data' }));
    expect(streams).toEqual([
      [1, { streamtype: 'error', port: '8080', requestid: '0' }],
      [3, { streamtype: 'data', port: '8080', requestid: '0' }],
    ]);
    expect(client.replyHeaders(sent[0] ?? Buffer.alloc(0))).toEqual({ id: 1, count: 0 });
    expect(client.replyHeaders(sent[1] ?? Buffer.alloc(0))).toEqual({ id: 3, count: 0 });
    const ping = Buffer.from([0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 7]);
    session.receive(ping);
    expect(sent[2]).toEqual(ping);
    session.receive(Buffer.from([0, 0, 0, 3, 1, 0, 0, 2, 0x68, 0x69]));
    expect(data).toEqual([[3, 'hi', true]]);
    session.data(3, Buffer.from('yo'), true);
    expect(sent[3]).toEqual(Buffer.from([0, 0, 0, 3, 1, 0, 0, 2, 0x79, 0x6f]));
  });
});
