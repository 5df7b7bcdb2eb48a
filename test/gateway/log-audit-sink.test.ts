/** Without a journal, security events are logged, one line each, with who, what, before and after. */
import { expect, it } from 'vitest';
import { logAuditSink } from '../../src/gateway/identity/log-audit-sink.js';

it('writes each security event as one info line carrying the whole event', async () => {
  const lines: unknown[][] = [];
  const sink = logAuditSink((...args) => void lines.push(args));
  await sink({ actor: 'u1', action: 'auth.logout', entityType: 'session', entityId: 's1', before: { revoked: false }, after: { revoked: true } });
  expect(lines).toEqual([['info', 'security event', { audit: true, actor: 'u1', action: 'auth.logout', entityType: 'session', entityId: 's1', before: { revoked: false }, after: { revoked: true } }]]);
});
