/**
 * HTTP upgrade requests (kubectl exec, attach, port-forward) served like any other request: they
 * go through the koa pipeline (authentication, authorization, audit, the subresource handler)
 * with a response written on the raw connection. Handlers that upgrade set `ctx.respond = false`
 * and own `ctx.req.socket`; refusals are written as ordinary responses and close the connection.
 */
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Routes `server`'s upgrade requests to `listener`. Returns the open upgraded connections, for
 * the server to close when it stops.
 */
export function serveUpgrades(
  server: Server,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Set<Duplex> {
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (head.length > 0) socket.unshift(head);
    socket.on('error', () => undefined);
    upgraded.add(socket);
    socket.once('close', () => {
      upgraded.delete(socket);
    });
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => {
      socket.end();
    });
    listener(req, res);
  });
  return upgraded;
}
