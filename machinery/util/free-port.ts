import { createServer } from 'node:net';

/** Asks the kernel for a free TCP port on `host` (loopback only). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
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
