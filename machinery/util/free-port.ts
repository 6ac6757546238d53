import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * Ports this process has handed out. The kernel may give a port it just freed to the next
 * `listen(0)`, so two calls in a row (an etcd's client and peer port) could get the same port,
 * and the second listener would then fail with EADDRINUSE on every restart.
 */
const handedOut = new Set<number>();

/**
 * Asks the kernel for a free TCP port on `host` (loopback only), never one this process has
 * handed out before.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = await kernelFreePort(host);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port on ${host} that was not handed out already`);
}

function kernelFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not allocate a port'));
        return;
      }
      const port = addr.port;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * A port free for both TCP and UDP on `host` (a DNS server binds both): a free TCP port whose UDP
 * twin also binds, retried a few times since the two spaces are independent.
 */
export async function freeTcpUdpPort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort(host);
    const udpFree = await new Promise<boolean>((resolve) => {
      const sock = createSocket('udp4');
      sock.once('error', () => {
        sock.close();
        resolve(false);
      });
      sock.bind(port, host, () => {
        sock.close(() => {
          resolve(true);
        });
      });
    });
    if (udpFree) return port;
  }
  throw new Error(`no port free for both TCP and UDP on ${host}`);
}
