/**
 * The GDPR rights (issue 17; docs/GDPR.md) over the stores that hold personal data:
 *   export   (arts. 15, 20)  every field held about the person, decrypted, each section labelled
 *                            with its purpose, legal basis and retention (personal-data-inventory.ts)
 *   erasure  (art. 17)       crypto-shredding and scrubbing (gdpr-erasures-pg.ts), the ledger first
 *                            (gdpr-erasure-ledger.ts) so no restore brings the person back
 *   consents (art. 7)        consent-service.ts
 *
 * Decisions worth knowing:
 * - The person's own export withholds the KYC risk assessment and the AML alerts: telling a
 *   customer they are suspected is tipping-off (AML Directive art. 39), an exception to art. 15
 *   that member states' laws make (art. 23). The compliance officer's export has them, to decide.
 * - The MFA secret is reported present and readable, not given out: a copy of it in an export
 *   file is a copy of the person's second factor.
 * - A KYC case is a legal hold (AML: five years after the relationship ends): erasure is refused
 *   with GDPR_KYC_LEGAL_HOLD unless the officer releases it (`releaseKycHold`, e.g. the applicant
 *   was rejected and never became a customer, or the five years have passed), and then the whole
 *   data key goes: one key per person, nothing in between.
 * - Every export and erasure is audited before it is answered or done.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CONSENT_PURPOSE_TEXT, CONSENT_PURPOSES, currentConsents } from '../engine/compliance/gdpr/consent.js';
import type { GdprErrorCode } from '../engine/compliance/gdpr/gdpr-errors.js';
import { type Category, INVENTORY } from '../engine/compliance/gdpr/personal-data-inventory.js';
import { failure, ok, type Result } from '../engine/result.js';
import type { AuditSink, DataKeys } from '../gateway/identity/ports.js';
import { CREDENTIAL_REVOCATION_HOLD_MS, type IdentityStore, type SessionStore } from '../gateway/identity/stores.js';
import type { ConsentService } from './consent-service.js';
import { decryptField, envelopeKeyId, type FieldContext } from './field-crypto.js';
import type { ErasureLedger } from './gdpr-erasure-ledger.js';
import type { ErasureOutcome, ErasureRecords } from './gdpr-erasures-pg.js';
import type { PersonalRecords } from './gdpr-records-pg.js';
import type { KycStore } from './kyc-store.js';

export const UserIdParam = z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9_.:@-]+$/, 'a user id (letters, digits, _ . : @ -)');

export const ExportRequest = z.strictObject({ userId: UserIdParam });
export const ErasureRequest = z.strictObject({
  userId: UserIdParam,
  reason: z.string().trim().min(1).max(1000).describe('Why (the person\'s request and its date, a ticket): no personal data, it is kept'),
  releaseKycHold: z.boolean().optional().describe('Erase a person who has a KYC case: the officer has established that AML retention no longer applies'),
});
export type ErasureRequest = z.infer<typeof ErasureRequest>;

export interface GdprServiceDeps {
  readonly identity: IdentityStore;
  readonly sessions: SessionStore;
  readonly dataKeys: DataKeys;
  readonly kyc: KycStore;
  readonly consents: ConsentService;
  readonly audit: AuditSink;
  /** Absent (PERSISTENCE=memory): those sections say they are not stored, erasure answers GDPR_UNAVAILABLE. */
  readonly records?: PersonalRecords;
  readonly erasures?: ErasureRecords;
  readonly ledger?: ErasureLedger;
  /** Route usage counted with consent (usage-analytics.ts). */
  readonly analytics?: { of(userId: string): Record<string, number> };
  readonly clock?: () => number;
}

export interface ExportSection {
  readonly category: Category;
  readonly what: string;
  readonly purpose: string;
  readonly legalBasis: string;
  readonly retention: string;
  readonly data: unknown;
}

export interface PersonalDataExport {
  readonly format: 'risk-engine.gdpr-export/1';
  readonly userId: string;
  readonly generatedAt: string;
  readonly requestedBy: 'self' | 'compliance_officer';
  readonly sections: readonly ExportSection[];
  readonly withheld: readonly { readonly category: Category; readonly reason: string }[];
}

type Outcome<T> = Result<T, GdprErrorCode>;

/** Audit entries exported at most (the newest). */
const AUDIT_LIMIT = 10_000;
const NOT_STORED = { stored: false, note: 'this engine runs without a database (PERSISTENCE=memory): nothing of this kind is kept' };
const TIPPING_OFF = 'withheld from the person: disclosing an AML suspicion or its assessment is tipping-off (AML Directive (EU) 2015/849 art. 39; GDPR art. 23)';

const section = (category: Category, data: unknown): ExportSection => {
  const { what, purpose, legalBasis, retention } = INVENTORY[category];
  return { category, what, purpose, legalBasis, retention, data };
};
const iso = (ms: number | undefined | null): string | null => (ms == null ? null : new Date(ms).toISOString());

export class GdprService {
  private readonly now: () => number;

  constructor(private readonly d: GdprServiceDeps) {
    this.now = d.clock ?? Date.now;
  }

  /** True when erasure is offered (a database and a ledger). */
  get canErase(): boolean {
    return this.d.erasures !== undefined && this.d.ledger !== undefined;
  }

  /** GET /gdpr/export (officer undefined: the person themself) and POST /gdpr/export (an officer). */
  async export(userId: string, officer?: string): Promise<Outcome<PersonalDataExport>> {
    const gone = await this.d.erasures?.find(userId);
    if (gone) return failure('GDPR_ALREADY_ERASED', `user ${userId} was erased at ${gone.erasedAt}; the records kept are under ${gone.pseudonym}`);
    const user = await this.d.identity.findUserById(userId);
    if (!user) return failure('GDPR_USER_NOT_FOUND', `no account ${userId}`);
    const self = officer === undefined;
    await this.d.audit({ actor: officer ?? userId, action: 'gdpr.exported', entityType: 'user', entityId: userId, before: null, after: { requestedBy: self ? 'self' : 'compliance_officer' } });

    const open = await this.opener(userId);
    const mfa = await this.d.identity.findMfa(userId);
    const sections: ExportSection[] = [
      section('account', {
        userId, email: user.email, displayName: open(user.displayNameSealed, { table: 'users', column: 'display_name', rowId: userId }),
        status: user.status, createdAt: iso(user.createdMs), grants: user.grants,
      }),
      section('authentication', {
        passwordSet: true, lockedUntil: iso(user.lockedUntilMs),
        mfa: mfa === undefined ? null : {
          enabled: mfa.enabled, secretStored: true,
          secretReadable: open(mfa.secretSealed, { table: 'user_mfa', column: 'secret', rowId: userId }) !== null,
          note: 'the secret itself is not exported: a copy of it is a copy of your second factor',
        },
        backupCodesLeft: mfa?.enabled ? await this.d.identity.backupCodesLeft(userId) : 0,
      }),
      section('api_keys', (await this.d.identity.listApiKeys(userId)).map((k) => ({
        id: k.id, name: k.name, grants: k.grants, createdAt: iso(k.createdMs), expiresAt: iso(k.expiresMs), revokedAt: iso(k.revokedMs), lastUsedAt: iso(k.lastUsedMs),
      }))),
      section('sessions', this.d.records ? await this.d.records.sessions(userId) : NOT_STORED),
    ];

    const kase = await this.d.kyc.findCase(userId);
    const withheld: { category: Category; reason: string }[] = [];
    if (kase) {
      const personal = await this.d.kyc.readPersonal(userId);
      sections.push(section('kyc', {
        state: kase.state, submittedAt: iso(kase.submittedMs), updatedAt: iso(kase.updatedMs),
        submission: personal.ok ? personal.value.submission : null, ...(personal.ok ? {} : { unreadable: personal.code }),
      }));
      const documents = [];
      for (const meta of await this.d.kyc.listDocuments(userId)) {
        const doc = await this.d.kyc.readDocument(userId, meta.id);
        documents.push({
          id: meta.id, documentType: meta.documentType, contentType: meta.contentType, sizeBytes: meta.sizeBytes, flags: meta.flags, uploadedAt: iso(meta.uploadedMs),
          ...(doc.ok ? { mrz: doc.value.mrz, contentBase64: doc.value.bytes.toString('base64') } : { unreadable: doc.code }),
        });
      }
      sections.push(section('kyc_documents', documents));
      if (self) withheld.push({ category: 'kyc_risk', reason: TIPPING_OFF });
      else sections.push(section('kyc_risk', { risk: kase.risk, factors: personal.ok ? personal.value.riskFactors : null }));
    } else {
      sections.push(section('kyc', null), section('kyc_documents', []));
    }

    const history = await this.d.consents.history(userId);
    const current = currentConsents(history);
    sections.push(section('consents', {
      current: Object.fromEntries(CONSENT_PURPOSES.map((p) => [p, { means: CONSENT_PURPOSE_TEXT[p], granted: current[p]?.granted ?? false, textVersion: current[p]?.textVersion ?? null }])),
      history: history.map((r) => ({ ...r, at: iso(r.atMs) })),
    }));
    sections.push(section('trading', this.d.records ? await this.d.records.trading(userId) : NOT_STORED));
    if (self) withheld.push({ category: 'aml', reason: TIPPING_OFF });
    else sections.push(section('aml', this.d.records ? await this.d.records.amlAlerts(userId) : NOT_STORED));
    sections.push(section('audit', this.d.records ? await this.d.records.audit(userId, AUDIT_LIMIT) : NOT_STORED));
    sections.push(section('product_analytics', this.d.analytics?.of(userId) ?? {}));

    return ok({ format: 'risk-engine.gdpr-export/1', userId, generatedAt: new Date(this.now()).toISOString(), requestedBy: self ? 'self' : 'compliance_officer', sections, withheld });
  }

  /** POST /gdpr/erasure: the request already parsed (ErasureRequest). */
  async erase(officer: string, req: ErasureRequest): Promise<Outcome<ErasureOutcome>> {
    const { erasures, ledger } = this.d;
    if (!erasures || !ledger) return failure('GDPR_UNAVAILABLE', 'erasure needs the database (PERSISTENCE=durable): this engine keeps nothing past its restart');
    if (req.userId === officer) return failure('GDPR_SELF_ERASURE', 'an officer does not erase themself: another compliance officer does');
    const gone = await erasures.find(req.userId);
    if (gone) return failure('GDPR_ALREADY_ERASED', `user ${req.userId} was erased at ${gone.erasedAt} (pseudonym ${gone.pseudonym})`);
    const user = await this.d.identity.findUserById(req.userId);
    if (!user) return failure('GDPR_USER_NOT_FOUND', `no account ${req.userId}`);
    const kase = await this.d.kyc.findCase(req.userId);
    if (kase && req.releaseKycHold !== true) {
      return failure('GDPR_KYC_LEGAL_HOLD', `user ${req.userId} has a KYC case (${kase.state}): AML law keeps customer due diligence five years after the relationship ends (AML Directive art. 40). `
        + 'Send releaseKycHold: true once you have established that the hold does not apply (e.g. never a customer, or the five years have passed)');
    }
    const nowMs = this.now();
    const entry = { userId: req.userId, pseudonym: `pn-${randomBytes(12).toString('base64url')}`, atMs: nowMs, by: officer, reason: req.reason };
    await this.d.audit({ actor: officer, action: 'gdpr.erasure.started', entityType: 'user', entityId: req.userId, before: null, after: { pseudonym: entry.pseudonym, reason: req.reason, releaseKycHold: req.releaseKycHold === true } });
    // The commit point: from here the erasure is finished at the next start even if this one fails.
    await ledger.append(entry);
    // Close what is open everywhere (sessions may be in Redis; other engines close their sockets).
    await this.d.sessions.revokeAllOf(req.userId, nowMs);
    for (const k of await this.d.identity.listApiKeys(req.userId)) {
      if (k.revokedMs === undefined) await this.d.identity.revokeApiKey(req.userId, k.id, nowMs);
      await this.d.sessions.revokeCredential(k.id, nowMs + CREDENTIAL_REVOCATION_HOLD_MS, nowMs);
    }
    const outcome = await erasures.apply(entry);
    // The rows are gone already; this evicts this process's cached key and records the shred.
    await this.d.dataKeys.shred(req.userId, officer);
    this.d.consents.forget(req.userId, CONSENT_PURPOSES);
    await this.d.audit({
      actor: officer, action: 'gdpr.erased', entityType: 'user', entityId: req.userId, before: null,
      after: { pseudonym: outcome.pseudonym, erased: outcome.erased.map((x) => x.category), kept: outcome.kept.map((x) => x.category) },
    });
    return ok(outcome);
  }

  /** The field opener for one person: their data keys fetched once; null where a field does not open. */
  private async opener(userId: string): Promise<(envelope: string, where: FieldContext) => string | null> {
    const keys = new Map<string, Buffer | undefined>();
    const user = await this.d.identity.findUserById(userId);
    const mfa = await this.d.identity.findMfa(userId);
    for (const e of [user?.displayNameSealed, mfa?.secretSealed]) {
      const id = e === undefined ? undefined : envelopeKeyId(e);
      if (id !== undefined && !keys.has(id)) keys.set(id, await this.d.dataKeys.find(userId, id));
    }
    return (envelope, where) => {
      const r = decryptField((id) => keys.get(id), envelope, where);
      return r.ok ? r.value : null;
    };
  }
}
