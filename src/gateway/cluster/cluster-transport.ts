/**
 * The transport seam between engines: request/answer to one peer, one-way messages to one peer or
 * to all. The routing (cluster-router.ts) speaks only this interface; ws-transport.ts implements it
 * with one persistent websocket per pair of engines. A message bus (NATS: a subject per engine for
 * requests with its request/reply, one subject for broadcasts) could replace it behind the same
 * interface, provided it keeps the one promise the router relies on: messages from one engine to
 * another arrive in the order they were sent, answers included (the frames a forwarded order causes
 * are pushed before its answer).
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { PeerAnswer, PeerPush, PeerRequest } from './peer-messages.js';

/** A request that can not be answered because the link to its peer is down or dropped (retryable). */
export class PeerUnreachableError extends Error {
  readonly code = 'PEER_UNREACHABLE';
  constructor(readonly peer: string, detail: string) {
    super(`engine ${peer} unreachable: ${detail}`);
    this.name = 'PeerUnreachableError';
  }
}

/** What this engine does with its peers' messages (the router). */
export interface PeerHandler {
  /** A peer's request; the answer goes back to it. A rejection is answered as `failed`. */
  request(from: string, body: PeerRequest): Promise<PeerAnswer>;
  /** A peer's one-way message. */
  push(from: string, body: PeerPush): void;
  /** The link to `peer` came up or went down (after its in-flight requests were failed). */
  linkChanged(peer: string, up: boolean): void;
}

export interface ClusterTransport {
  /** This engine's id. */
  readonly self: string;
  /**
   * A transport that listens on the engine's own port (ws-transport.ts) registers its route on the
   * gateway's uWS app here, before the app listens; a message bus has nothing to attach.
   */
  attach?(app: TemplatedApp): void;
  /** Installs the receiving side; called once, before any peer is reached. */
  serve(handler: PeerHandler): void;
  /**
   * Sends `body` to engine `to` and resolves with its answer. Rejects with PeerUnreachableError at
   * once when the link is down, when it drops before the answer, or after `timeoutMs`.
   */
  request(to: string, body: PeerRequest, timeoutMs: number): Promise<PeerAnswer>;
  /** One-way to engine `to`, after everything sent to it before; dropped when the link is down. */
  send(to: string, body: PeerPush): void;
  /** One-way to every other engine whose link is up. */
  broadcast(body: PeerPush): void;
  /** Whether a message to `to` can go now. */
  linkUp(to: string): boolean;
  close(): Promise<void>;
}
