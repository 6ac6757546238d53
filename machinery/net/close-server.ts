import type { Server } from 'node:http';

/**
 * Stops an HTTP(S) server: no new connections, idle keep-alive connections closed at once, and
 * connections still busy after `graceMs` (a client that never finishes its request, a peer that
 * keeps a response open) destroyed, so a stop always ends.
 */
export async function closeServer(server: Server | undefined, graceMs = 2_000): Promise<void> {
  if (!server?.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
