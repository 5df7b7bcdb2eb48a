/**
 * KYC rows in PostgreSQL (tables of migration 0015). A transition is one transaction: the case's
 * row is replaced only while it is at the version the caller read (`WHERE version = $n`), and its
 * transition is inserted with it, so the audit of kyc_transitions never disagrees with the state.
 */
import type pg from 'pg';
import type { DocumentContentType } from '../engine/compliance/kyc/document-content.js';
import type { DocumentType, SourceOfFunds } from '../engine/compliance/kyc/kyc-submission.js';
import type { KycFlag } from '../engine/compliance/kyc/mrz-review.js';
import { KYC_STATES, type KycAction, type KycState, type KycTransition } from '../engine/compliance/kyc/review-workflow.js';
import type { RiskLevel, SanctionsDecision } from '../engine/compliance/kyc/risk-score.js';
import type { KycDocumentMeta, KycDocumentRow, KycRowStore, KycSubmissionRow } from './kyc-rows.js';
import { inTransaction } from './transaction.js';

interface SubmissionRow {
  user_id: string; state: KycState; legal_name: string; date_of_birth: string; nationality: string; country_of_residence: string;
  address: string; document_type: DocumentType; document_number: string; source_of_funds: SourceOfFunds; source_of_funds_detail: string | null;
  trading_profile: string | null; reviewer_id: string | null; decided_by: string | null; risk_score: number | null; risk_level: RiskLevel | null;
  edd_required: boolean | null; sanctions_decision: SanctionsDecision | null; pep: boolean | null; risk_factors: string | null;
  next_rescreen_ms: string | null; version: number; submitted_ms: string; updated_ms: string;
}

interface DocumentRow {
  id: string; user_id: string; document_type: DocumentType; content_type: DocumentContentType; size_bytes: number;
  content?: string; mrz?: string | null; flags: KycFlag[]; uploaded_ms: string;
}

const COLUMNS = `user_id, state, legal_name, date_of_birth, nationality, country_of_residence, address, document_type, document_number,
  source_of_funds, source_of_funds_detail, trading_profile, reviewer_id, decided_by, risk_score, risk_level, edd_required,
  sanctions_decision, pep, risk_factors, next_rescreen_ms, version, submitted_ms, updated_ms`;

function values(r: KycSubmissionRow): unknown[] {
  const p = r.personal;
  return [
    r.userId, r.state, p.legalName, p.dateOfBirth, p.nationality, p.countryOfResidence, p.address, r.documentType, p.documentNumber,
    r.sourceOfFunds, p.sourceOfFundsDetail, p.tradingProfile, r.reviewerId, r.decidedBy, r.risk?.score ?? null, r.risk?.level ?? null,
    r.risk?.enhancedDueDiligence ?? null, r.risk?.sanctions ?? null, r.risk?.pep ?? null, r.risk?.factorsSealed ?? null,
    r.risk?.nextRescreenMs ?? null, r.version, r.submittedMs, r.updatedMs,
  ];
}

function fromRow(r: SubmissionRow): KycSubmissionRow {
  return {
    userId: r.user_id, state: r.state, documentType: r.document_type, sourceOfFunds: r.source_of_funds,
    personal: {
      legalName: r.legal_name, dateOfBirth: r.date_of_birth, nationality: r.nationality, countryOfResidence: r.country_of_residence,
      address: r.address, documentNumber: r.document_number, sourceOfFundsDetail: r.source_of_funds_detail, tradingProfile: r.trading_profile,
    },
    reviewerId: r.reviewer_id, decidedBy: r.decided_by,
    risk: r.risk_score === null || r.risk_level === null || r.risk_factors === null ? null : {
      score: r.risk_score, level: r.risk_level, enhancedDueDiligence: r.edd_required === true, sanctions: r.sanctions_decision ?? 'not_screened',
      pep: r.pep === true, factorsSealed: r.risk_factors, nextRescreenMs: r.next_rescreen_ms === null ? null : Number(r.next_rescreen_ms),
    },
    version: r.version, submittedMs: Number(r.submitted_ms), updatedMs: Number(r.updated_ms),
  };
}

function docFrom(r: DocumentRow): KycDocumentMeta {
  return { id: r.id, userId: r.user_id, documentType: r.document_type, contentType: r.content_type, sizeBytes: r.size_bytes, flags: r.flags, uploadedMs: Number(r.uploaded_ms) };
}

const placeholders = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');

export class PgKycRows implements KycRowStore {
  constructor(private readonly pool: pg.Pool) {}

  async insert(row: KycSubmissionRow, first: KycTransition): Promise<boolean> {
    return this.tx(async (c) => {
      const r = await c.query(`INSERT INTO kyc_submissions (${COLUMNS}) VALUES (${placeholders(24)}) ON CONFLICT (user_id) DO NOTHING`, values(row));
      if (r.rowCount === 0) return false;
      await insertTransition(c, first);
      return true;
    });
  }

  async find(userId: string): Promise<KycSubmissionRow | undefined> {
    const r = await this.pool.query<SubmissionRow>(`SELECT ${COLUMNS} FROM kyc_submissions WHERE user_id = $1`, [userId]);
    return r.rows[0] && fromRow(r.rows[0]);
  }

  async update(next: KycSubmissionRow, expectedVersion: number, t: KycTransition | null): Promise<boolean> {
    return this.tx(async (c) => {
      const sets = COLUMNS.split(',').map((col, i) => `${col.trim()} = $${i + 1}`).slice(1).join(', ');
      const r = await c.query(`UPDATE kyc_submissions SET ${sets} WHERE user_id = $1 AND version = $25`, [...values(next), expectedVersion]);
      if (r.rowCount === 0) return false;
      if (t) await insertTransition(c, t);
      return true;
    });
  }

  async transitions(userId: string): Promise<KycTransition[]> {
    const r = await this.pool.query<{ from_state: KycState | null; to_state: KycState; action: KycAction | 'submit'; actor: string; reason: string; at_ms: string }>(
      'SELECT from_state, to_state, action, actor, reason, at_ms FROM kyc_transitions WHERE user_id = $1 ORDER BY seq', [userId]);
    return r.rows.map((x) => ({ userId, from: x.from_state, to: x.to_state, action: x.action, actor: x.actor, reason: x.reason, atMs: Number(x.at_ms) }));
  }

  async listByState(state: KycState, limit: number, afterUserId?: string): Promise<KycSubmissionRow[]> {
    const r = await this.pool.query<SubmissionRow>(
      `SELECT ${COLUMNS} FROM kyc_submissions WHERE state = $1 AND ($2::text IS NULL OR user_id > $2) ORDER BY user_id LIMIT $3`,
      [state, afterUserId ?? null, limit]);
    return r.rows.map(fromRow);
  }

  async dueForRescreen(nowMs: number, limit: number): Promise<string[]> {
    const r = await this.pool.query<{ user_id: string }>(
      'SELECT user_id FROM kyc_submissions WHERE next_rescreen_ms <= $1 ORDER BY next_rescreen_ms, user_id LIMIT $2', [nowMs, limit]);
    return r.rows.map((x) => x.user_id);
  }

  async sanctionsBlocked(): Promise<string[]> {
    const r = await this.pool.query<{ user_id: string }>("SELECT user_id FROM kyc_submissions WHERE sanctions_decision = 'block' ORDER BY user_id");
    return r.rows.map((x) => x.user_id);
  }

  async countByState(): Promise<Record<KycState, number>> {
    const r = await this.pool.query<{ state: KycState; n: string }>('SELECT state, count(*) AS n FROM kyc_submissions GROUP BY state');
    const out = Object.fromEntries(KYC_STATES.map((s) => [s, 0])) as Record<KycState, number>;
    for (const x of r.rows) out[x.state] = Number(x.n);
    return out;
  }

  async countByRiskLevel(): Promise<Record<RiskLevel | 'unscored', number>> {
    const r = await this.pool.query<{ level: RiskLevel | null; n: string }>('SELECT risk_level AS level, count(*) AS n FROM kyc_submissions GROUP BY risk_level');
    const out: Record<RiskLevel | 'unscored', number> = { low: 0, medium: 0, high: 0, unscored: 0 };
    for (const x of r.rows) out[x.level ?? 'unscored'] = Number(x.n);
    return out;
  }

  async insertDocument(d: KycDocumentRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO kyc_documents (id, user_id, document_type, content_type, size_bytes, content, mrz, flags, uploaded_ms) VALUES (${placeholders(9)})`,
      [d.id, d.userId, d.documentType, d.contentType, d.sizeBytes, d.contentSealed, d.mrzSealed, JSON.stringify(d.flags), d.uploadedMs]);
  }

  async findDocument(userId: string, id: string): Promise<KycDocumentRow | undefined> {
    const r = await this.pool.query<DocumentRow>(
      'SELECT id, user_id, document_type, content_type, size_bytes, content, mrz, flags, uploaded_ms FROM kyc_documents WHERE id = $1 AND user_id = $2', [id, userId]);
    const row = r.rows[0];
    return row && { ...docFrom(row), contentSealed: row.content as string, mrzSealed: row.mrz ?? null };
  }

  async listDocuments(userId: string): Promise<KycDocumentMeta[]> {
    const r = await this.pool.query<DocumentRow>(
      'SELECT id, user_id, document_type, content_type, size_bytes, flags, uploaded_ms FROM kyc_documents WHERE user_id = $1 ORDER BY uploaded_ms, id', [userId]);
    return r.rows.map(docFrom);
  }

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }
}

async function insertTransition(c: pg.PoolClient, t: KycTransition): Promise<void> {
  await c.query('INSERT INTO kyc_transitions (user_id, from_state, to_state, action, actor, reason, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [t.userId, t.from, t.to, t.action, t.actor, t.reason, t.atMs]);
}
