/**
 * The owner's stand-in for a client connected to another engine: a Session whose sends go back
 * over the cluster link instead of to a socket. A forwarded order runs through the very handlers a
 * local connection's does (ws-handlers.ts runMessage: authorisation, screening, the engine call,
 * the ack/reject/fill frames, holding an immediate fill until after its ack), and what they send
 * this session is pushed, encoded, to the forwarding gateway, which relays the bytes unchanged.
 *
 * One relay session per (peer engine, client connection there), kept until that connection
 * closes or the link drops, so the later fills of an order it placed reach it as they would a
 * local connection (Subscriptions.trackOrder); those are pushed marked `late`.
 */
import type { Principal } from '../auth.js';
import type { Codec } from '../codec.js';
import { Session } from '../ws-session.js';

/** Where a relay session's frames go: the bytes (already copied) and whether a request is running. */
export type FrameSink = (frame: Uint8Array, late: boolean) => void;

const NO_FLOW = { slowConsumerBytes: Infinity, maxBufferedBytes: Infinity };
const NO_TIMERS = { onAuthDeadline: () => {}, onTokenExpiry: () => {}, onMaxAge: () => {}, onFault: () => {} };

export class RelaySession extends Session {
  /** Forwarded requests of this connection being handled now (their frames are not `late`). */
  inFlight = 0;

  constructor(
    principal: Principal,
    private readonly frameCodec: Codec,
    private readonly sink: FrameSink,
    /** The peer engine and its connection number, for logs. */
    readonly peer: string,
    readonly sid: number,
  ) {
    super(principal, frameCodec, NO_FLOW, { conflated: 0, slowConsumerCloses: 0, dropped: 0 }, () => {}, NO_TIMERS, `cluster:${peer}`);
  }

  override sendReliable(msg: object): void {
    if (this.closed) return;
    this.sink(this.frameCodec.encode(msg), this.inFlight === 0);
  }

  override sendBytes(bytes: Uint8Array): void {
    if (this.closed) return;
    // A copy: callers may reuse a shared encode buffer (ws-session.ts sendBytes).
    this.sink(bytes.slice(), this.inFlight === 0);
  }

  /** A relay session never holds a socket: ending it is forgetting it (the router does). */
  override end(): void {}
}
