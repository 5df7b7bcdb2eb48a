/**
 * Security counters, kept by thin decorators around the ports the gateway and the account service
 * already use (the audit sink, the API-key verifier, the session revocations, the rate limiter and
 * the websocket admission), so that no security module learns about metrics. Read at scrape by
 * engine-metrics.ts. A label set is one of a few fixed codes, never a user id or an address.
 */
import type { AuditSink, ApiKeyVerifier, SessionRevocations } from '../gateway/identity/ports.js';
import type { RateLimiter } from '../gateway/rate-limit.js';
import type { MessageAdmission } from '../gateway/ws-handlers.js';

/** Counts by a code (a label value); codes come from our own code, so the set stays small. */
export class CodeCounts {
  readonly byCode = new Map<string, number>();
  add(code: string): void {
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
  }
}

export class SecurityCounters {
  /** POST /auth/login answers: success, mfa_required (the password was right) or failed. */
  readonly logins = new CodeCounts();
  /** Failed and refused logins by reason (unknown_email, wrong_password, wrong_mfa_code, locked, disabled), from the audit trail. */
  readonly loginFailures = new CodeCounts();
  /** Accounts locked after too many failures. */
  lockouts = 0;
  /** Refresh tokens presented a second time (the session is revoked). */
  refreshReuses = 0;
  /** POST /auth/mfa/verify answers that finish a login: success or failed. */
  readonly mfaVerifications = new CodeCounts();
  /** Requests and messages refused by a rate limit: rest or websocket. */
  readonly rateLimited = new CodeCounts();
  /** API keys and revoked sessions refused, by code (token refusals themselves are counted by Tokens). */
  readonly credentialRefusals = new CodeCounts();

  /** The audit sink, counting the login events it records. */
  audit(sink: AuditSink): AuditSink {
    return (e) => {
      if (e.action === 'auth.login.failed' || e.action === 'auth.login.refused') this.loginFailures.add(reasonOf(e.after));
      else if (e.action === 'auth.login.locked') this.lockouts += 1;
      else if (e.action === 'auth.refresh.reused') this.refreshReuses += 1;
      return sink(e);
    };
  }

  apiKeys(verifier: ApiKeyVerifier): ApiKeyVerifier {
    return {
      verify: async (key, nowMs) => {
        const r = await verifier.verify(key, nowMs);
        if (!r.ok) this.credentialRefusals.add(r.code);
        return r;
      },
    };
  }

  /** A revoked session asked about is a credential refused (SESSION_REVOKED): the only caller is auth.ts's notRevoked. */
  revocations(r: SessionRevocations): SessionRevocations {
    return {
      isRevoked: (sid) => {
        const revoked = r.isRevoked(sid);
        if (revoked) this.credentialRefusals.add('SESSION_REVOKED');
        return revoked;
      },
      onRevoked: (listener) => r.onRevoked(listener),
    };
  }

  restLimiter(limiter: RateLimiter): RateLimiter {
    return {
      take: async (key, spec, nowMs) => {
        const d = await limiter.take(key, spec, nowMs);
        if (!d.allowed) this.rateLimited.add('rest');
        return d;
      },
    };
  }

  wsAdmission(admission: MessageAdmission): MessageAdmission {
    return (s, p, type) => {
      const refused = admission(s, p, type);
      if (refused !== null) this.rateLimited.add('websocket');
      return refused;
    };
  }
}

function reasonOf(after: unknown): string {
  const reason = typeof after === 'object' && after !== null ? (after as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' && /^[a-z_]{1,32}$/.test(reason) ? reason : 'other';
}
