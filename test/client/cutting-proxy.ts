/**
 * A TCP relay between a client and the gateway that a test can cut: `muteReplies()` lets the
 * client's bytes through but holds back the server's (an answer lost on the way), `cut()` destroys
 * every connection as a network failure would. New connections pass again in both directions.
 */
import { type Server, type Socket, createServer, connect } from 'node:net';

export interface CuttingProxy {
  readonly port: number;
  muteReplies(): void;
  cut(): void;
  close(): Promise<void>;
}

export function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const open = new Set<{ client: Socket; server: Socket; muted: boolean }>();
  const srv: Server = createServer((client) => {
    const server = connect(targetPort, '127.0.0.1');
    const pair = { client, server, muted: false };
    open.add(pair);
    client.on('data', (b) => server.write(b));
    server.on('data', (b) => { if (!pair.muted) client.write(b); });
    const end = () => {
      open.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => {
    const port = (srv.address() as { port: number }).port;
    resolve({
      port,
      muteReplies: () => { for (const p of open) p.muted = true; },
      cut: () => { for (const p of [...open]) { p.client.destroy(); p.server.destroy(); } },
      close: () => new Promise<void>((r) => { for (const p of [...open]) { p.client.destroy(); p.server.destroy(); } srv.close(() => r()); }),
    });
  }));
}
