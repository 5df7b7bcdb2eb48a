/**
 * The synchronous side of SessionRevocations, shared by every session store: the revoked sessions
 * still alive (an access token of theirs could still be presented), held in this process so the
 * gateway asks without I/O on every call, and the listeners told of each new revocation, whether it
 * was made here or arrived from another engine process.
 */
import type { SessionRevocations } from '../gateway/identity/ports.js';

export interface Revocation {
  readonly userId: string;
  readonly sessions: readonly { readonly id: string; readonly expiresMs: number }[];
}

type Listener = (e: { readonly userId: string; readonly sessionIds: readonly string[] }) => void;

export class RevocationView implements SessionRevocations {
  /** Session id → the session's end: past it no token of the session is valid anyway. */
  private readonly revoked = new Map<string, number>();
  private readonly listeners = new Set<Listener>();

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
    for (const l of this.listeners) {
      try {
        l({ userId: r.userId, sessionIds: fresh });
      } catch {
        // A listener's failure (closing a socket that is already gone) must not stop the others.
      }
    }
  }

  /** Forgets sessions that ended: their tokens are refused for expiry already. */
  prune(nowMs: number): void {
    for (const [id, end] of this.revoked) if (end <= nowMs) this.revoked.delete(id);
  }

  get size(): number {
    return this.revoked.size;
  }
}
