/**
 * Where KYC cases live, as stored: rows whose personal fields are already sealed (field-crypto
 * envelopes). Two implementations, PostgreSQL (kyc-rows-pg.ts, tables of migration 0015) and memory
 * (kyc-rows-memory.ts); kyc-store.ts seals and opens the fields over either, so both hold the same
 * ciphertext and nothing differs between them but durability.
 */
import type { DocumentContentType } from '../engine/compliance/kyc/document-content.js';
import type { DocumentType, SourceOfFunds } from '../engine/compliance/kyc/kyc-submission.js';
import type { KycFlag } from '../engine/compliance/kyc/mrz-review.js';
import type { KycState, KycTransition } from '../engine/compliance/kyc/review-workflow.js';
import type { RiskLevel, SanctionsDecision } from '../engine/compliance/kyc/risk-score.js';

/** The envelopes of a submission's personal fields (column names in the SQL). */
export interface SealedPersonal {
  readonly legalName: string;
  readonly dateOfBirth: string;
  readonly nationality: string;
  readonly countryOfResidence: string;
  readonly address: string;
  readonly documentNumber: string;
  readonly sourceOfFundsDetail: string | null;
  readonly tradingProfile: string | null;
}

export interface KycRiskRow {
  readonly score: number;
  readonly level: RiskLevel;
  readonly enhancedDueDiligence: boolean;
  readonly sanctions: SanctionsDecision;
  readonly pep: boolean;
  /** The factors' explanation, sealed (it names the customer's countries). */
  readonly factorsSealed: string;
  /** null: not re-screened any more (the customer's data was erased, nothing left to screen). */
  readonly nextRescreenMs: number | null;
}

export interface KycSubmissionRow {
  readonly userId: string;
  readonly state: KycState;
  readonly documentType: DocumentType;
  readonly sourceOfFunds: SourceOfFunds;
  readonly personal: SealedPersonal;
  readonly reviewerId: string | null;
  readonly decidedBy: string | null;
  readonly risk: KycRiskRow | null;
  readonly version: number;
  readonly submittedMs: number;
  readonly updatedMs: number;
}

export interface KycDocumentMeta {
  readonly id: string;
  readonly userId: string;
  readonly documentType: DocumentType;
  readonly contentType: DocumentContentType;
  readonly sizeBytes: number;
  readonly flags: readonly KycFlag[];
  readonly uploadedMs: number;
}

export interface KycDocumentRow extends KycDocumentMeta {
  readonly contentSealed: string;
  readonly mrzSealed: string | null;
}

export interface KycRowStore {
  /** Stores a new case and its first transition; false (and nothing stored) when the user has a case. */
  insert(row: KycSubmissionRow, first: KycTransition): Promise<boolean>;
  find(userId: string): Promise<KycSubmissionRow | undefined>;
  /**
   * Replaces the case with `next` (and records `t`) if it is still at `expectedVersion`, in one
   * transaction; false when another change landed first (nothing written).
   */
  update(next: KycSubmissionRow, expectedVersion: number, t: KycTransition | null): Promise<boolean>;
  /** The case's transitions, oldest first. */
  transitions(userId: string): Promise<KycTransition[]>;
  /** Cases in a state, by user id, after `afterUserId` (paging). */
  listByState(state: KycState, limit: number, afterUserId?: string): Promise<KycSubmissionRow[]>;
  /** Users whose re-screening date is at or before `nowMs`, soonest first. */
  dueForRescreen(nowMs: number, limit: number): Promise<string[]>;
  countByState(): Promise<Record<KycState, number>>;
  /** Users whose latest screening decided `block`. */
  sanctionsBlocked(): Promise<string[]>;
  countByRiskLevel(): Promise<Record<RiskLevel | 'unscored', number>>;
  insertDocument(row: KycDocumentRow): Promise<void>;
  findDocument(userId: string, id: string): Promise<KycDocumentRow | undefined>;
  /** The user's documents without their content, oldest first. */
  listDocuments(userId: string): Promise<KycDocumentMeta[]>;
}
