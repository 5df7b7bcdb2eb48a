/**
 * Login sessions in this process (PERSISTENCE=memory, one engine): the same behaviour as the
 * Redis and PostgreSQL stores (test/contracts/session-store.contract.ts), with nothing to
 * propagate since no other process shares them.
 */
import type { SessionCloseReason } from '../gateway/identity/ports.js';
import type { RotateOutcome, SessionRecord, SessionStore } from '../gateway/identity/stores.js';
import { newCloseNotice } from './revocation-notice.js';
import { RevocationView } from './revocation-view.js';

const PRUNE_EVERY = 1000;

interface Held { record: SessionRecord; current: string; used: Set<string> }

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Held>();
  private readonly view = new RevocationView();
  private created = 0;

  isRevoked(sessionId: string): boolean {
    return this.view.isRevoked(sessionId);
  }

  onRevoked(listener: Parameters<RevocationView['onRevoked']>[0]): () => void {
    return this.view.onRevoked(listener);
  }

  async create(s: Omit<SessionRecord, 'revokedMs'>, refreshHash: string): Promise<void> {
    // Ended sessions are of no use (their refresh tokens are refused): forget them now and then.
    if (++this.created % PRUNE_EVERY === 0) for (const [id, h] of this.sessions) if (h.record.expiresMs <= s.createdMs) this.sessions.delete(id);
    this.sessions.set(s.id, { record: { ...s, amr: [...s.amr], revokedMs: undefined }, current: refreshHash, used: new Set() });
  }

  async find(sessionId: string): Promise<SessionRecord | undefined> {
    return this.sessions.get(sessionId)?.record;
  }

  async rotate(sessionId: string, presentedHash: string, nextHash: string, nowMs: number): Promise<RotateOutcome> {
    const held = this.sessions.get(sessionId);
    if (!held || held.record.revokedMs !== undefined || held.record.expiresMs <= nowMs) return { kind: 'invalid' };
    if (presentedHash === held.current) {
      held.used.add(held.current);
      held.current = nextHash;
      return { kind: 'rotated', session: held.record };
    }
    if (!held.used.has(presentedHash)) return { kind: 'invalid' };
    this.markRevoked(held, nowMs);
    return { kind: 'reused', session: held.record };
  }

  async revoke(sessionId: string, nowMs: number): Promise<string | undefined> {
    const held = this.sessions.get(sessionId);
    if (!held || held.record.revokedMs !== undefined) return undefined;
    this.markRevoked(held, nowMs);
    return held.record.userId;
  }

  async revokeAllOf(userId: string, nowMs: number): Promise<readonly string[]> {
    const live = [...this.sessions.values()].filter((h) => h.record.userId === userId && h.record.revokedMs === undefined && h.record.expiresMs > nowMs);
    for (const h of live) h.record = { ...h.record, revokedMs: nowMs };
    this.view.add({ userId, sessions: live.map((h) => ({ id: h.record.id, expiresMs: h.record.expiresMs })) }, nowMs);
    return live.map((h) => h.record.id);
  }

  async revokeCredential(credentialId: string, untilMs: number, nowMs: number): Promise<void> {
    this.view.add({ userId: credentialId, sessions: [{ id: credentialId, expiresMs: untilMs }] }, nowMs);
  }

  async announceClose(target: { readonly userId: string; readonly sessionIds: readonly string[] }, reason: SessionCloseReason, nowMs: number): Promise<void> {
    this.view.close(newCloseNotice(target.userId, target.sessionIds, reason), nowMs);
  }

  async start(): Promise<void> {}
  async close(): Promise<void> {}

  private markRevoked(held: Held, nowMs: number): void {
    held.record = { ...held.record, revokedMs: nowMs };
    this.view.add({ userId: held.record.userId, sessions: [{ id: held.record.id, expiresMs: held.record.expiresMs }] }, nowMs);
  }
}
