/**
 * The client on Node: the `ws` package as the socket, frames as Buffers (no copy), no
 * per-message compression (frames are small and latency matters more than bytes).
 */
import { WebSocket } from 'ws';
import { type ClientOptions, RiskEngineClient } from './client.js';
import type { WebSocketConstructorLike } from './socket.js';

export type NodeClientOptions = Omit<ClientOptions, 'WebSocket' | 'binaryType' | 'socketOptions'> & {
  /** Certificates trusted for wss:// in place of the system's (e.g. a self-signed engine certificate). */
  readonly ca?: Buffer;
  /** More `ws` options (headers, localAddress, handshakeTimeout, …). */
  readonly ws?: Record<string, unknown>;
};

export function connectNode(opts: NodeClientOptions): Promise<RiskEngineClient> {
  const { ca, ws, ...rest } = opts;
  return RiskEngineClient.connect({
    ...rest,
    WebSocket: WebSocket as unknown as WebSocketConstructorLike,
    binaryType: 'nodebuffer',
    socketOptions: { perMessageDeflate: false, handshakeTimeout: opts.connectTimeoutMs ?? 10_000, ...ws, ...(ca !== undefined ? { ca } : {}) },
  });
}
