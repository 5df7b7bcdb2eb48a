/**
 * KYC cases over a row store (PostgreSQL or memory), sealing every personal field with the
 * customer's data key (DataKeys, field-crypto.ts) on the way in and opening it on the way out.
 *
 * - Each field's AAD is its table, column and row (the user id; a document's id for documents):
 *   an envelope copied to another customer's row or column does not open.
 * - The case itself (state, officers, risk level, dates) stays readable after the customer's data
 *   key is shredded, so the audit and the counts hold; the personal fields answer FIELD_KEY_MISSING.
 */
import { randomUUID } from 'node:crypto';
import type { DocumentContentType } from '../engine/compliance/kyc/document-content.js';
import type { DocumentType, KycSubmission } from '../engine/compliance/kyc/kyc-submission.js';
import type { Mrz } from '../engine/compliance/kyc/mrz.js';
import type { KycFlag } from '../engine/compliance/kyc/mrz-review.js';
import type { KycCase, KycState, KycTransition } from '../engine/compliance/kyc/review-workflow.js';
import type { RiskAssessment, RiskFactor, RiskLevel, SanctionsDecision } from '../engine/compliance/kyc/risk-score.js';
import { failure, ok, type Result } from '../engine/result.js';
import type { DataKeys } from '../gateway/identity/ports.js';
import { decryptField, decryptFieldBytes, encryptField, encryptFieldBytes, envelopeKeyId, type FieldContext, type FieldCryptoCode, type KeyWithId } from './field-crypto.js';
import type { KycDocumentMeta, KycRowStore, KycSubmissionRow, SealedPersonal } from './kyc-rows.js';

/** The risk of a case as stored: the assessment and the screening it was made with. */
export interface KycRisk extends Omit<RiskAssessment, 'factors' | 'rescreenDays' | 'nextRescreenMs'> {
  /** null: not re-screened any more (the customer's data was erased). */
  readonly nextRescreenMs: number | null;
  readonly sanctions: SanctionsDecision;
  readonly pep: boolean;
}

/** A case without its personal data: what the store answers even after an erasure. */
export interface KycCaseRecord extends KycCase {
  readonly documentType: DocumentType;
  readonly sourceOfFunds: KycSubmission['sourceOfFunds']['kind'];
  readonly submittedMs: number;
  readonly risk: KycRisk | null;
}

export interface KycPersonal {
  readonly submission: KycSubmission;
  /** The risk score's explanation (null before the first assessment). */
  readonly riskFactors: readonly RiskFactor[] | null;
}

export interface StoredDocument {
  readonly meta: KycDocumentMeta;
  readonly bytes: Buffer;
  readonly mrz: Mrz | null;
}

/** A risk assessment and the screening it was made with. */
export type AssessedRisk = RiskAssessment & { readonly sanctions: SanctionsDecision; readonly pep: boolean };

export type KycReadCode = 'KYC_NOT_FOUND' | FieldCryptoCode;

const TABLE = 'kyc_submissions';
const DOCUMENTS = 'kyc_documents';

export class KycStore {
  constructor(private readonly rows: KycRowStore, private readonly dataKeys: DataKeys) {}

  /** Stores a new case; false when the customer has one already. */
  async create(submission: KycSubmission, kase: KycCase, first: KycTransition, risk: AssessedRisk | null): Promise<boolean> {
    const key = await this.dataKeys.forUser(kase.userId);
    return this.rows.insert(this.rowOf(key, kase, submission, risk, kase.updatedMs), first);
  }

  async findCase(userId: string): Promise<KycCaseRecord | undefined> {
    const row = await this.rows.find(userId);
    return row && caseOf(row);
  }

  async readPersonal(userId: string): Promise<Result<KycPersonal, KycReadCode>> {
    const row = await this.rows.find(userId);
    if (!row) return failure('KYC_NOT_FOUND', `no KYC case of user ${userId}`);
    return this.open(row);
  }

  /**
   * Replaces the case with `next` if it is still at `expectedVersion` (recording `t`), with a new
   * submission and/or risk when given (unchanged otherwise); false when another change landed first.
   */
  async update(next: KycCase, expectedVersion: number, t: KycTransition | null, changes: {
    readonly submission?: KycSubmission;
    readonly risk?: AssessedRisk;
    /** Takes the customer off the re-screening schedule (their data was erased). */
    readonly stopRescreening?: boolean;
  } = {}): Promise<boolean> {
    const row = await this.rows.find(next.userId);
    if (!row || row.version !== expectedVersion) return false;
    let updated: KycSubmissionRow = { ...row, state: next.state, reviewerId: next.reviewerId, decidedBy: next.decidedBy, version: next.version, updatedMs: next.updatedMs };
    if (changes.submission || changes.risk) {
      const key = await this.dataKeys.forUser(next.userId);
      if (changes.submission) {
        const fresh = this.rowOf(key, next, changes.submission, null, row.submittedMs);
        updated = { ...updated, documentType: fresh.documentType, sourceOfFunds: fresh.sourceOfFunds, personal: fresh.personal };
      }
      if (changes.risk) updated = { ...updated, risk: sealRisk(key, next.userId, changes.risk) };
    }
    if (changes.stopRescreening && updated.risk) updated = { ...updated, risk: { ...updated.risk, nextRescreenMs: null } };
    return this.rows.update(updated, expectedVersion, t);
  }

  transitions(userId: string): Promise<KycTransition[]> {
    return this.rows.transitions(userId);
  }

  async list(state: KycState, limit: number, afterUserId?: string): Promise<KycCaseRecord[]> {
    return (await this.rows.listByState(state, limit, afterUserId)).map(caseOf);
  }

  dueForRescreen(nowMs: number, limit: number): Promise<string[]> {
    return this.rows.dueForRescreen(nowMs, limit);
  }

  sanctionsBlocked(): Promise<string[]> {
    return this.rows.sanctionsBlocked();
  }

  countByState(): Promise<Record<KycState, number>> {
    return this.rows.countByState();
  }

  countByRiskLevel(): Promise<Record<RiskLevel | 'unscored', number>> {
    return this.rows.countByRiskLevel();
  }

  /** Stores a document's bytes and parsed zone sealed; resolves with its metadata. */
  async addDocument(userId: string, doc: {
    readonly documentType: DocumentType; readonly contentType: DocumentContentType; readonly bytes: Uint8Array;
    readonly mrz: Mrz | null; readonly flags: readonly KycFlag[]; readonly uploadedMs: number;
  }): Promise<KycDocumentMeta> {
    const key = await this.dataKeys.forUser(userId);
    const id = randomUUID();
    const at = (column: string): FieldContext => ({ table: DOCUMENTS, column, rowId: id });
    const meta: KycDocumentMeta = { id, userId, documentType: doc.documentType, contentType: doc.contentType, sizeBytes: doc.bytes.byteLength, flags: doc.flags, uploadedMs: doc.uploadedMs };
    await this.rows.insertDocument({
      ...meta,
      contentSealed: encryptFieldBytes(key, doc.bytes, at('content')),
      mrzSealed: doc.mrz === null ? null : encryptField(key, JSON.stringify(doc.mrz), at('mrz')),
    });
    return meta;
  }

  listDocuments(userId: string): Promise<KycDocumentMeta[]> {
    return this.rows.listDocuments(userId);
  }

  async readDocument(userId: string, id: string): Promise<Result<StoredDocument, 'KYC_DOCUMENT_NOT_FOUND' | FieldCryptoCode>> {
    const row = await this.rows.findDocument(userId, id);
    if (!row) return failure('KYC_DOCUMENT_NOT_FOUND', `no document ${id} of user ${userId}`);
    const at = (column: string): FieldContext => ({ table: DOCUMENTS, column, rowId: id });
    const keyOf = await this.keyLookup(userId, [row.contentSealed, row.mrzSealed]);
    const bytes = decryptFieldBytes(keyOf, row.contentSealed, at('content'));
    if (!bytes.ok) return bytes;
    let mrz: Mrz | null = null;
    if (row.mrzSealed !== null) {
      const m = decryptField(keyOf, row.mrzSealed, at('mrz'));
      if (!m.ok) return m;
      mrz = JSON.parse(m.value) as Mrz;
    }
    const { contentSealed: _c, mrzSealed: _m, ...meta } = row;
    return ok({ meta, bytes: bytes.value, mrz });
  }

  private rowOf(key: KeyWithId, kase: KycCase, s: KycSubmission, risk: (AssessedRisk) | null, submittedMs: number): KycSubmissionRow {
    const seal = (column: string, value: string): string => encryptField(key, value, { table: TABLE, column, rowId: kase.userId });
    const personal: SealedPersonal = {
      legalName: seal('legal_name', JSON.stringify(s.legalName)),
      dateOfBirth: seal('date_of_birth', s.dateOfBirth),
      nationality: seal('nationality', s.nationality),
      countryOfResidence: seal('country_of_residence', s.countryOfResidence),
      address: seal('address', JSON.stringify(s.address)),
      documentNumber: seal('document_number', s.document.number),
      sourceOfFundsDetail: s.sourceOfFunds.detail === undefined ? null : seal('source_of_funds_detail', s.sourceOfFunds.detail),
      tradingProfile: s.tradingProfile === undefined ? null : seal('trading_profile', JSON.stringify(s.tradingProfile)),
    };
    return {
      userId: kase.userId, state: kase.state, documentType: s.document.type, sourceOfFunds: s.sourceOfFunds.kind, personal,
      reviewerId: kase.reviewerId, decidedBy: kase.decidedBy, risk: risk === null ? null : sealRisk(key, kase.userId, risk),
      version: kase.version, submittedMs, updatedMs: kase.updatedMs,
    };
  }

  private async open(row: KycSubmissionRow): Promise<Result<KycPersonal, FieldCryptoCode>> {
    const p = row.personal;
    const fields: Record<string, string | null> = {};
    const sealed: [string, string, string | null][] = [
      ['legalName', 'legal_name', p.legalName], ['dateOfBirth', 'date_of_birth', p.dateOfBirth], ['nationality', 'nationality', p.nationality],
      ['countryOfResidence', 'country_of_residence', p.countryOfResidence], ['address', 'address', p.address], ['documentNumber', 'document_number', p.documentNumber],
      ['sourceOfFundsDetail', 'source_of_funds_detail', p.sourceOfFundsDetail], ['tradingProfile', 'trading_profile', p.tradingProfile],
      ['riskFactors', 'risk_factors', row.risk?.factorsSealed ?? null],
    ];
    const keyOf = await this.keyLookup(row.userId, sealed.map(([, , envelope]) => envelope));
    for (const [name, column, envelope] of sealed) {
      if (envelope === null) {
        fields[name] = null;
        continue;
      }
      const r = decryptField(keyOf, envelope, { table: TABLE, column, rowId: row.userId });
      if (!r.ok) return r;
      fields[name] = r.value;
    }
    const submission: KycSubmission = {
      legalName: JSON.parse(fields.legalName as string) as KycSubmission['legalName'],
      dateOfBirth: fields.dateOfBirth as string,
      nationality: fields.nationality as string,
      countryOfResidence: fields.countryOfResidence as string,
      address: JSON.parse(fields.address as string) as KycSubmission['address'],
      document: { type: row.documentType, number: fields.documentNumber as string },
      sourceOfFunds: { kind: row.sourceOfFunds, ...(fields.sourceOfFundsDetail === null ? {} : { detail: fields.sourceOfFundsDetail as string }) },
      ...(fields.tradingProfile === null ? {} : { tradingProfile: JSON.parse(fields.tradingProfile as string) as NonNullable<KycSubmission['tradingProfile']> }),
    };
    return ok({ submission, riskFactors: fields.riskFactors === null ? null : (JSON.parse(fields.riskFactors as string) as RiskFactor[]) });
  }

  /** The keys the envelopes name, fetched once (a shredded key: undefined, so they answer FIELD_KEY_MISSING). */
  private async keyLookup(userId: string, envelopes: readonly (string | null)[]): Promise<(keyId: string) => Buffer | undefined> {
    const keys = new Map<string, Buffer | undefined>();
    for (const e of envelopes) {
      const id = e === null ? undefined : envelopeKeyId(e);
      if (id !== undefined && !keys.has(id)) keys.set(id, await this.dataKeys.find(userId, id));
    }
    return (id) => keys.get(id);
  }
}

function sealRisk(key: KeyWithId, userId: string, risk: AssessedRisk) {
  return {
    score: risk.score, level: risk.level, enhancedDueDiligence: risk.enhancedDueDiligence, sanctions: risk.sanctions, pep: risk.pep,
    nextRescreenMs: risk.nextRescreenMs, factorsSealed: encryptField(key, JSON.stringify(risk.factors), { table: TABLE, column: 'risk_factors', rowId: userId }),
  };
}

function caseOf(row: KycSubmissionRow): KycCaseRecord {
  return {
    userId: row.userId, state: row.state, reviewerId: row.reviewerId, decidedBy: row.decidedBy, version: row.version, updatedMs: row.updatedMs,
    documentType: row.documentType, sourceOfFunds: row.sourceOfFunds, submittedMs: row.submittedMs,
    risk: row.risk === null ? null : {
      score: row.risk.score, level: row.risk.level, enhancedDueDiligence: row.risk.enhancedDueDiligence, nextRescreenMs: row.risk.nextRescreenMs,
      sanctions: row.risk.sanctions, pep: row.risk.pep,
    },
  };
}
