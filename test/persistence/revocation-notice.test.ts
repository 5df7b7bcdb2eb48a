/**
 * The session stores' channel messages (src/persistence/revocation-notice.ts): a revocation as every
 * engine has sent it still reads as one, a close notice reads as one, and an engine that predates
 * close notices (it reads `userId` and `sessions` only) finds nothing revoked in one.
 */
import { describe, expect, it } from 'vitest';
import { closePayload, newCloseNotice, parseNotice, revocationPayload } from '../../src/persistence/revocation-notice.js';

describe('session channel notices', () => {
  it('reads a revocation in the payload older engines send', () => {
    const payload = JSON.stringify({ userId: 'u1', sessions: [{ id: 's1', expiresMs: 123 }] });
    expect(parseNotice(payload)).toEqual({ kind: 'revoked', revocation: { userId: 'u1', sessions: [{ id: 's1', expiresMs: 123 }] } });
    expect(parseNotice(revocationPayload({ userId: 'u1', sessions: [{ id: 's1', expiresMs: 123 }] }))).toEqual(parseNotice(payload));
  });

  it('reads a close notice back as it was written', () => {
    const n = newCloseNotice('ak_1', ['ak_1'], 'rights_changed');
    expect(parseNotice(closePayload(n))).toEqual({ kind: 'close', notice: n });
  });

  it('writes a close notice as a revocation of nothing for an engine that does not know close notices', () => {
    const v = JSON.parse(closePayload(newCloseNotice('ak_1', ['ak_1'], 'rights_changed'))) as { userId: string; sessions: unknown[] };
    expect(v.userId).toBe('ak_1');
    expect(v.sessions).toEqual([]);
  });

  it('ignores payloads that are not ours, and close notices with an unknown reason', () => {
    for (const p of ['not json', '42', 'null', '{"userId":1,"sessions":[]}', '{"userId":"u"}',
      JSON.stringify({ userId: 'u', sessions: [], close: { id: 'x', sessionIds: ['u'], reason: 'whatever' } })]) {
      expect(parseNotice(p)).toBeUndefined();
    }
  });
});
