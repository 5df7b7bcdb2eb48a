/**
 * KYC as the `/kyc` routes and the pre-trade check use it: submission (with screening and a risk
 * score), identity documents (content checked, zone parsed and compared, sealed), the review
 * workflow with maker-checker, re-screening, and the counts of the compliance page. Every change
 * is recorded in the case's own transitions (kyc_transitions, with the change, atomically) and
 * sent to the audit sink as a security event.
 *
 * Decisions worth knowing:
 * - Audit events name the customer (entityType `user`, entityId the user id) and carry states,
 *   versions, levels and flag codes, never personal data: the audit chain is not encrypted and
 *   outlives an erasure.
 * - Screening failing (the sanctions service throws) fails the submission: a customer is never
 *   stored as screened when they were not. With no screening configured the risk records
 *   `not_screened`.
 * - A `review` or `block` screening decision is handed to `onScreeningHit` (the composition root
 *   raises the alert and, for `block`, halts the customer's trading) after the case is stored.
 * - Two officers deciding the same case at once: the second is refused with KYC_CONFLICT (the
 *   store writes only on the version read), and reads the case again.
 * - An officer's read (a case, a list, a document: `viewer` given) is audited before anything is
 *   answered (`kyc.viewed`, `kyc.listed`, `kyc.document_read`): a read the audit cannot record is
 *   not served. The customer reading their own case is not (no viewer).
 */
import { checkDocumentContent, DOCUMENT_CONTENT_TYPES, MAX_DOCUMENT_BYTES } from '../engine/compliance/kyc/document-content.js';
import type { KycErrorCode } from '../engine/compliance/kyc/kyc-errors.js';
import { DOCUMENT_TYPES, type DocumentType, type KycSubmission, parseSubmission } from '../engine/compliance/kyc/kyc-submission.js';
import { parseMrz, type Mrz } from '../engine/compliance/kyc/mrz.js';
import { type KycFlag, reviewMrz } from '../engine/compliance/kyc/mrz-review.js';
import { type KycCase, KycDecisionBody, KYC_STATES, type KycState, type KycTransition, openCase, transition } from '../engine/compliance/kyc/review-workflow.js';
import { assessRisk, KYC_RISK_DEFAULTS, type KycRiskConfig, type RiskFactor, type RiskLevel, type SanctionsDecision } from '../engine/compliance/kyc/risk-score.js';
import { failure, ok, type Result } from '../engine/result.js';
import type { AuditSink } from '../gateway/identity/ports.js';
import type { KycDocumentMeta } from './kyc-rows.js';
import type { AssessedRisk, KycCaseRecord, KycStore } from './kyc-store.js';

/** What KYC asks of sanctions and PEP screening (the compliance part of issue 15 answers it). */
export interface KycScreening {
  screen(subject: { readonly name: string; readonly dateOfBirth: string; readonly countries: readonly string[] }): Promise<KycScreeningResult>;
}

export interface KycScreeningResult {
  readonly decision: 'clear' | 'review' | 'block';
  readonly pep: boolean;
  /** The list version in force, recorded with the result. */
  readonly listVersion?: string;
}

/** A screening an officer must hear of: the sanctions list did not clear the customer, or the PEP list found them. */
const isHit = (r: KycScreeningResult): boolean => r.decision !== 'clear' || r.pep;

export interface KycServiceDeps {
  readonly store: KycStore;
  readonly audit: AuditSink;
  /** Absent: customers are recorded `not_screened` (SANCTIONS_SCREENING_ENABLED off). */
  readonly screening?: KycScreening;
  /**
   * Called after a case is stored with a `review` or `block` screening decision or a PEP hit, with
   * what ran the screening (the customer's submission, or a re-screening).
   */
  readonly onScreeningHit?: (userId: string, result: KycScreeningResult, trigger: 'kyc' | 'rescreen') => Promise<void>;
  /**
   * Called after every change of a case's state (submission, resubmission, an officer's decision):
   * what keeps the pre-trade check's synchronous view of approved customers current.
   */
  readonly onStateChanged?: (userId: string, state: KycState) => void;
  /** The engine's clock, epoch ms. */
  readonly clock?: () => number;
  readonly risk?: KycRiskConfig;
  readonly maxDocumentBytes?: number;
}

/** What an officer (or the customer) reads of a case. */
export interface KycView {
  readonly case: KycCaseRecord;
  /** null when the customer's data was erased (their data key shredded). */
  readonly submission: KycSubmission | null;
  readonly riskFactors: readonly RiskFactor[] | null;
  readonly erased: boolean;
  readonly transitions: readonly KycTransition[];
  readonly documents: readonly KycDocumentMeta[];
}

export interface KycSubmitted {
  readonly case: KycCaseRecord;
  readonly screening: KycScreeningResult | null;
}

export interface DocumentUpload {
  readonly documentType: DocumentType;
  /** The declared content type (the upload's Content-Type). */
  readonly contentType: string;
  readonly bytes: Uint8Array;
  /** The machine-readable zone's text (passports and ID cards), as read from the document. */
  readonly mrz?: string;
}

const MAX_LIST = 500;

export class KycService {
  private readonly now: () => number;
  private readonly risk: KycRiskConfig;
  /** The largest document accepted, bytes (the upload route sizes its body limit from it). */
  readonly maxDocumentBytes: number;

  constructor(private readonly d: KycServiceDeps) {
    this.now = d.clock ?? Date.now;
    this.risk = d.risk ?? KYC_RISK_DEFAULTS;
    this.maxDocumentBytes = d.maxDocumentBytes ?? MAX_DOCUMENT_BYTES;
  }

  /**
   * POST /kyc/submit by the customer themself: opens their case, or resubmits it when an officer
   * asked for information (needs_info → submitted). Screens and scores the customer either way.
   */
  async submit(userId: string, body: unknown): Promise<Result<KycSubmitted, KycErrorCode>> {
    const nowMs = this.now();
    const parsed = parseSubmission(body, isoDay(nowMs));
    if (!parsed.ok) return parsed;
    const submission = parsed.value;
    const existing = await this.d.store.findCase(userId);
    if (existing && existing.state !== 'needs_info') return failure('KYC_ALREADY_SUBMITTED', `the KYC case is ${existing.state}; it can be resubmitted only when information is asked for`);

    const screening = await this.screen(submission);
    const risk = this.assess(submission, screening, nowMs);
    let stored: KycCaseRecord;
    if (!existing) {
      const opened = openCase(userId, 'submitted by the customer', nowMs);
      if (!opened.ok) return opened;
      if (!(await this.d.store.create(submission, opened.value.case, opened.value.transition, risk))) {
        return failure('KYC_ALREADY_SUBMITTED', 'the KYC case was submitted already');
      }
      stored = record(opened.value.case, submission, risk, nowMs);
      await this.audit(userId, 'kyc.submitted', null, stored);
    } else {
      const moved = transition(existing, { action: 'resubmit', actor: userId, reason: 'resubmitted by the customer' }, nowMs);
      if (!moved.ok) return moved;
      if (!(await this.d.store.update(moved.value.case, existing.version, moved.value.transition, { submission, risk }))) {
        return failure('KYC_CONFLICT', 'the case changed while it was resubmitted; read it again');
      }
      stored = record(moved.value.case, submission, risk, existing.submittedMs);
      await this.audit(userId, 'kyc.resubmitted', existing, stored);
    }
    this.d.onStateChanged?.(userId, stored.state);
    if (screening && isHit(screening)) await this.d.onScreeningHit?.(userId, screening, 'kyc');
    return ok({ case: stored, screening });
  }

  /**
   * An officer's step of the review: `body` is `{action: start_review | approve | reject |
   * request_info, reason}` from the request, `actor` the caller's user id (the gateway has checked
   * the compliance_officer role).
   */
  async decide(userId: string, actor: string, body: unknown): Promise<Result<KycCaseRecord, KycErrorCode>> {
    const cmd = KycDecisionBody.safeParse(body);
    if (!cmd.success) {
      return failure('KYC_INVALID_DECISION', cmd.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    }
    const kase = isId(userId) ? await this.d.store.findCase(userId) : undefined;
    if (!kase) return failure('KYC_NOT_FOUND', `no KYC case of user ${userId}`);
    const moved = transition(kase, { action: cmd.data.action, actor, reason: cmd.data.reason }, this.now());
    if (!moved.ok) return moved;
    if (!(await this.d.store.update(moved.value.case, kase.version, moved.value.transition))) {
      return failure('KYC_CONFLICT', 'another officer changed this case first; read it again');
    }
    const after: KycCaseRecord = { ...kase, ...moved.value.case };
    await this.d.audit({
      actor: moved.value.transition.actor, action: `kyc.${cmd.data.action}`, entityType: 'user', entityId: userId,
      before: summary(kase), after: { ...summary(after), reason: moved.value.transition.reason },
    });
    this.d.onStateChanged?.(userId, after.state);
    return ok(after);
  }

  /** An identity document of the customer's: checked by content, its zone compared, stored sealed. */
  async uploadDocument(userId: string, upload: DocumentUpload): Promise<Result<KycDocumentMeta, KycErrorCode>> {
    if (!(DOCUMENT_TYPES as readonly string[]).includes(upload.documentType) || typeof upload.contentType !== 'string' || !(upload.bytes instanceof Uint8Array)) {
      return failure('KYC_INVALID_DOCUMENT', `a document needs a type (${DOCUMENT_TYPES.join(', ')}), a content type (${DOCUMENT_CONTENT_TYPES.join(', ')}) and its bytes`);
    }
    const content = checkDocumentContent(upload.bytes, upload.contentType, this.maxDocumentBytes);
    if (!content.ok) return content;
    const kase = await this.d.store.findCase(userId);
    if (!kase) return failure('KYC_NOT_FOUND', `no KYC case of user ${userId}: submit first`);
    if (kase.state === 'approved' || kase.state === 'rejected') return failure('KYC_BAD_TRANSITION', `the KYC case is ${kase.state}: no more documents`);
    const nowMs = this.now();

    let mrz: Mrz | null = null;
    let flags: KycFlag[] = [];
    const hasZone = upload.documentType === 'passport' || upload.documentType === 'id_card';
    if (upload.mrz !== undefined && upload.mrz !== '') {
      const parsed = parseMrz(upload.mrz, new Date(nowMs).getUTCFullYear());
      if (!parsed.ok) return parsed;
      mrz = parsed.value;
      const personal = await this.d.store.readPersonal(userId);
      if (!personal.ok) return failure('KYC_DATA_ERASED', `the submission cannot be read (${personal.code})`);
      flags = reviewMrz(mrz, personal.value.submission, isoDay(nowMs));
    } else if (hasZone) {
      flags = [{ code: 'MRZ_MISSING' }];
    }
    const meta = await this.d.store.addDocument(userId, { documentType: upload.documentType, contentType: content.value, bytes: upload.bytes, mrz, flags, uploadedMs: nowMs });
    await this.d.audit({
      actor: userId, action: 'kyc.document_uploaded', entityType: 'user', entityId: userId, before: null,
      after: { documentId: meta.id, documentType: meta.documentType, contentType: meta.contentType, sizeBytes: meta.sizeBytes, flags: flags.map((f) => f.code) },
    });
    return ok(meta);
  }

  /**
   * GET /kyc/{userId}: the case, the submission (unless erased), its transitions and documents.
   * `viewer`: the officer reading it (audited as `kyc.viewed`); absent for the customer themself.
   */
  async get(userId: string, viewer?: string): Promise<Result<KycView, KycErrorCode>> {
    const kase = isId(userId) ? await this.d.store.findCase(userId) : undefined;
    if (!kase) return failure('KYC_NOT_FOUND', `no KYC case of user ${userId}`);
    const personal = await this.d.store.readPersonal(userId);
    if (viewer !== undefined) await this.d.audit({ actor: viewer, action: 'kyc.viewed', entityType: 'user', entityId: userId, before: null, after: { state: kase.state, version: kase.version, erased: !personal.ok } });
    return ok({
      case: kase,
      submission: personal.ok ? personal.value.submission : null,
      riskFactors: personal.ok ? personal.value.riskFactors : null,
      erased: !personal.ok,
      transitions: await this.d.store.transitions(userId),
      documents: await this.d.store.listDocuments(userId),
    });
  }

  /**
   * GET /kyc?state=…: the cases in a state, by user id, `limit` (1–500, default 100) after `after`.
   * `viewer`: the officer listing them (audited as `kyc.listed`, with the user ids answered).
   */
  async list(state: string, opts: { readonly limit?: number; readonly after?: string; readonly viewer?: string } = {}): Promise<Result<KycCaseRecord[], KycErrorCode>> {
    if (!(KYC_STATES as readonly string[]).includes(state)) return failure('KYC_INVALID_QUERY', `state is one of ${KYC_STATES.join(', ')}`);
    if (opts.after !== undefined && !isId(opts.after)) return failure('KYC_INVALID_QUERY', 'after: a user id (1 to 200 characters, no control characters)');
    const limit = Math.min(MAX_LIST, Math.max(1, Math.trunc(Number.isFinite(opts.limit) ? (opts.limit as number) : 100)));
    const page = await this.d.store.list(state as KycState, limit, opts.after);
    if (opts.viewer !== undefined) {
      await this.d.audit({ actor: opts.viewer, action: 'kyc.listed', entityType: 'user', entityId: '*', before: null, after: { state, after: opts.after ?? null, userIds: page.map((c) => c.userId) } });
    }
    return ok(page);
  }

  /** A document's bytes, for an officer's viewer (`viewer`, audited as `kyc.document_read`). */
  async readDocument(userId: string, documentId: string, viewer?: string): Promise<Result<{ readonly contentType: string; readonly bytes: Buffer; readonly mrz: Mrz | null; readonly flags: readonly KycFlag[] }, KycErrorCode>> {
    if (!isId(userId) || !isId(documentId)) return failure('KYC_DOCUMENT_NOT_FOUND', `no document ${String(documentId).slice(0, 100)}`);
    const d = await this.d.store.readDocument(userId, documentId);
    if (!d.ok) return d.code === 'KYC_DOCUMENT_NOT_FOUND' ? failure(d.code, d.message) : failure('KYC_DATA_ERASED', `the document cannot be read (${d.code})`);
    if (viewer !== undefined) {
      await this.d.audit({ actor: viewer, action: 'kyc.document_read', entityType: 'user', entityId: userId, before: null, after: { documentId, documentType: d.value.meta.documentType, contentType: d.value.meta.contentType } });
    }
    return ok({ contentType: d.value.meta.contentType, bytes: d.value.bytes, mrz: d.value.mrz, flags: d.value.meta.flags });
  }

  /** The pre-trade question behind KYC_REQUIRED: may this customer open new positions? (One read.) */
  async isApproved(userId: string): Promise<boolean> {
    return isId(userId) && (await this.d.store.findCase(userId))?.state === 'approved';
  }

  /** Every approved customer: the start of the pre-trade check's in-process view (kept current by onStateChanged). */
  async approvedUserIds(): Promise<Set<string>> {
    const out = new Set<string>();
    for (let after: string | undefined; ;) {
      const page = await this.d.store.list('approved', MAX_LIST, after);
      for (const c of page) out.add(c.userId);
      if (page.length < MAX_LIST) return out;
      after = page.at(-1)?.userId;
    }
  }

  /**
   * Screens the customer again and re-scores them (the schedule's job, or an officer's request),
   * with their observed monthly notional when known. KYC_DATA_ERASED when their data is gone.
   */
  async rescreen(userId: string, opts: { readonly observedMonthlyNotionalUsd?: number; readonly actor?: string } = {}): Promise<Result<KycSubmitted, KycErrorCode>> {
    const kase = await this.d.store.findCase(userId);
    if (!kase) return failure('KYC_NOT_FOUND', `no KYC case of user ${userId}`);
    const personal = await this.d.store.readPersonal(userId);
    const nowMs = this.now();
    if (!personal.ok) {
      // Nothing left to screen: off the schedule, or the erased would fill every due batch forever.
      const next: KycCase = { ...kase, version: kase.version + 1, updatedMs: nowMs };
      if (kase.risk?.nextRescreenMs != null && (await this.d.store.update(next, kase.version, null, { stopRescreening: true }))) {
        await this.d.audit({ actor: opts.actor ?? 'engine', action: 'kyc.rescreen_stopped', entityType: 'user', entityId: userId, before: summary(kase), after: { ...summary(kase), version: next.version, reason: personal.code } });
      }
      return failure('KYC_DATA_ERASED', `the submission cannot be read (${personal.code})`);
    }
    const screening = await this.screen(personal.value.submission);
    const risk = this.assess(personal.value.submission, screening, nowMs, opts.observedMonthlyNotionalUsd);
    const next: KycCase = { ...kase, version: kase.version + 1, updatedMs: nowMs };
    if (!(await this.d.store.update(next, kase.version, null, { risk }))) return failure('KYC_CONFLICT', 'the case changed during re-screening; try again');
    const after = record(next, personal.value.submission, risk, kase.submittedMs);
    await this.d.audit({ actor: opts.actor ?? 'engine', action: 'kyc.rescreened', entityType: 'user', entityId: userId, before: summary(kase), after: summary(after) });
    if (screening && isHit(screening)) await this.d.onScreeningHit?.(userId, screening, 'rescreen');
    return ok({ case: after, screening });
  }

  /**
   * Re-screens the customers whose date has come (at most `limit`, leaving out `skip`: those that
   * failed earlier in the same run); resolves with each outcome. One customer whose re-screening
   * throws (the screening or the store failing for them) is a KYC_RESCREEN_FAILED outcome, not a
   * rejection: their case is unchanged and stays due, and the others are still screened. A failing
   * case is the longest due, so first in every batch: without `skip` it would fill each batch again.
   */
  async rescreenDue(limit = 100, skip: ReadonlySet<string> = new Set()): Promise<{ readonly userId: string; readonly outcome: Result<KycSubmitted, KycErrorCode | 'KYC_RESCREEN_FAILED'> }[]> {
    const out = [];
    const due = (await this.d.store.dueForRescreen(this.now(), limit + skip.size)).filter((id) => !skip.has(id)).slice(0, limit);
    for (const userId of due) {
      try {
        out.push({ userId, outcome: await this.rescreen(userId) });
      } catch (e) {
        out.push({ userId, outcome: failure('KYC_RESCREEN_FAILED', e instanceof Error ? e.message : String(e)) });
      }
    }
    return out;
  }

  /** The customers whose latest screening decided `block`: the start of the engine's view of blocked customers (SanctionsBlocks). */
  sanctionsBlockedUserIds(): Promise<string[]> {
    return this.d.store.sanctionsBlocked();
  }

  /** The KYC lines of GET /compliance/risk-metrics: the backlog by state, customers by risk level. */
  async metrics(): Promise<{ readonly byState: Record<KycState, number>; readonly byRiskLevel: Record<RiskLevel | 'unscored', number> }> {
    return { byState: await this.d.store.countByState(), byRiskLevel: await this.d.store.countByRiskLevel() };
  }

  private async screen(s: KycSubmission): Promise<KycScreeningResult | null> {
    if (!this.d.screening) return null;
    return this.d.screening.screen({
      name: `${s.legalName.givenNames} ${s.legalName.surname}`, dateOfBirth: s.dateOfBirth,
      countries: [...new Set([s.nationality, s.countryOfResidence])],
    });
  }

  private assess(s: KycSubmission, screening: KycScreeningResult | null, nowMs: number, observedMonthlyNotionalUsd?: number): AssessedRisk {
    const sanctions: SanctionsDecision = screening?.decision ?? 'not_screened';
    const pep = screening?.pep ?? false;
    const a = assessRisk({
      nationality: s.nationality, countryOfResidence: s.countryOfResidence, pep, sanctions, sourceOfFunds: s.sourceOfFunds.kind,
      ...(s.tradingProfile ? { expectedMonthlyNotionalUsd: s.tradingProfile.expectedMonthlyNotionalUsd } : {}),
      ...(observedMonthlyNotionalUsd !== undefined ? { observedMonthlyNotionalUsd } : {}),
    }, nowMs, this.risk);
    return { ...a, sanctions, pep };
  }

  private audit(userId: string, action: string, before: KycCaseRecord | null, after: KycCaseRecord): Promise<void> {
    return this.d.audit({ actor: userId, action, entityType: 'user', entityId: userId, before: before && summary(before), after: summary(after) });
  }
}

/** What the audit trail keeps of a case: no personal data. */
function summary(c: KycCaseRecord): Record<string, unknown> {
  return {
    state: c.state, version: c.version, reviewerId: c.reviewerId, decidedBy: c.decidedBy,
    riskLevel: c.risk?.level ?? null, riskScore: c.risk?.score ?? null, enhancedDueDiligence: c.risk?.enhancedDueDiligence ?? null,
    sanctions: c.risk?.sanctions ?? null, pep: c.risk?.pep ?? null,
  };
}

function record(c: KycCase, s: KycSubmission, risk: AssessedRisk, submittedMs: number): KycCaseRecord {
  return {
    ...c, documentType: s.document.type, sourceOfFunds: s.sourceOfFunds.kind, submittedMs,
    risk: { score: risk.score, level: risk.level, enhancedDueDiligence: risk.enhancedDueDiligence, nextRescreenMs: risk.nextRescreenMs, sanctions: risk.sanctions, pep: risk.pep },
  };
}

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const ID = /^[^\u0000-\u001f\u007f]{1,200}$/;
/** Ids from a path or query: PostgreSQL's text refuses NUL, so a hostile one is answered, not thrown. */
const isId = (s: unknown): s is string => typeof s === 'string' && ID.test(s);

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
