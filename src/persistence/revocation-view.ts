/**
 * The synchronous side of SessionRevocations, shared by every session store: the revoked sessions
 * still alive (an access token of theirs could still be presented), held in this process so the
 * gateway asks without I/O on every call, and the listeners told of each new revocation, whether it
 * was made here or arrived from another engine process. Close notices (revocation-notice.ts) reach
 * the same listeners with their reason and are not held: the sessions stay valid.
 */
import type { SessionRevocations, SessionsEnded } from '../gateway/identity/ports.js';
import type { ChannelNotice, CloseNotice } from './revocation-notice.js';

export interface Revocation {
  readonly userId: string;
  readonly sessions: readonly { readonly id: string; readonly expiresMs: number }[];
}

type Listener = (e: SessionsEnded) => void;

/** A close notice's id is remembered this long: its echo from the channel comes back within it. */
const CLOSE_ECHO_MS = 60_000;

export class RevocationView implements SessionRevocations {
  /** Session id → the session's end: past it no token of the session is valid anyway. */
  private readonly revoked = new Map<string, number>();
  private readonly listeners = new Set<Listener>();
  /** Close notice id → when to forget it: a notice applied here is not applied again. */
  private readonly closesSeen = new Map<string, number>();

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  onRevoked(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Notes revocations and tells the listeners of the ones not known before (a repeat is silent). */
  add(r: Revocation, nowMs: number): void {
    const fresh: string[] = [];
    for (const s of r.sessions) {
      if (this.revoked.has(s.id) || s.expiresMs <= nowMs) continue;
      this.revoked.set(s.id, s.expiresMs);
      fresh.push(s.id);
    }
    this.prune(nowMs);
    if (fresh.length === 0) return;
    this.tell({ userId: r.userId, sessionIds: fresh });
  }

  /**
   * Tells the listeners to close these sessions' connections, recording nothing as revoked (and
   * not skipped when they were revoked before); a notice already applied here (its own echo from
   * the channel) is silent.
   */
  close(n: CloseNotice, nowMs: number): void {
    if (this.closesSeen.has(n.id)) return;
    this.closesSeen.set(n.id, nowMs + CLOSE_ECHO_MS);
    this.prune(nowMs);
    if (n.sessionIds.length > 0) this.tell({ userId: n.userId, sessionIds: n.sessionIds, reason: n.reason });
  }

  /** What arrived on a store's channel. */
  receive(n: ChannelNotice, nowMs: number): void {
    if (n.kind === 'revoked') this.add(n.revocation, nowMs);
    else this.close(n.notice, nowMs);
  }

  /** Forgets sessions that ended (their tokens are refused for expiry already) and old close notices. */
  prune(nowMs: number): void {
    for (const [id, end] of this.revoked) if (end <= nowMs) this.revoked.delete(id);
    for (const [id, end] of this.closesSeen) if (end <= nowMs) this.closesSeen.delete(id);
  }

  private tell(e: SessionsEnded): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure (closing a socket that is already gone) must not stop the others.
      }
    }
  }

  get size(): number {
    return this.revoked.size;
  }
}
