/** KYC rows in this process (PERSISTENCE=memory and unit tests): the same sealed rows as PostgreSQL's. */
import type { KycState, KycTransition } from '../engine/compliance/kyc/review-workflow.js';
import { KYC_STATES } from '../engine/compliance/kyc/review-workflow.js';
import type { RiskLevel } from '../engine/compliance/kyc/risk-score.js';
import type { KycDocumentMeta, KycDocumentRow, KycRowStore, KycSubmissionRow } from './kyc-rows.js';

export class MemoryKycRows implements KycRowStore {
  /** Exposed so that tests can look at what is stored, as they read a table's raw columns. */
  readonly submissions = new Map<string, KycSubmissionRow>();
  readonly documents = new Map<string, KycDocumentRow>();
  private readonly log: KycTransition[] = [];

  async insert(row: KycSubmissionRow, first: KycTransition): Promise<boolean> {
    if (this.submissions.has(row.userId)) return false;
    this.submissions.set(row.userId, row);
    this.log.push(first);
    return true;
  }

  async find(userId: string): Promise<KycSubmissionRow | undefined> {
    return this.submissions.get(userId);
  }

  async update(next: KycSubmissionRow, expectedVersion: number, t: KycTransition | null): Promise<boolean> {
    if (this.submissions.get(next.userId)?.version !== expectedVersion) return false;
    this.submissions.set(next.userId, next);
    if (t) this.log.push(t);
    return true;
  }

  async transitions(userId: string): Promise<KycTransition[]> {
    return this.log.filter((t) => t.userId === userId);
  }

  async listByState(state: KycState, limit: number, afterUserId?: string): Promise<KycSubmissionRow[]> {
    return [...this.submissions.values()]
      .filter((r) => r.state === state && (afterUserId === undefined || r.userId > afterUserId))
      .sort((a, b) => (a.userId < b.userId ? -1 : 1))
      .slice(0, limit);
  }

  async dueForRescreen(nowMs: number, limit: number): Promise<string[]> {
    return [...this.submissions.values()]
      .filter((r) => r.risk !== null && r.risk.nextRescreenMs !== null && r.risk.nextRescreenMs <= nowMs)
      .sort((a, b) => (a.risk?.nextRescreenMs ?? 0) - (b.risk?.nextRescreenMs ?? 0) || (a.userId < b.userId ? -1 : 1))
      .slice(0, limit)
      .map((r) => r.userId);
  }

  async sanctionsBlocked(): Promise<string[]> {
    return [...this.submissions.values()].filter((r) => r.risk?.sanctions === 'block').map((r) => r.userId).sort();
  }

  async countByState(): Promise<Record<KycState, number>> {
    const out = Object.fromEntries(KYC_STATES.map((s) => [s, 0])) as Record<KycState, number>;
    for (const r of this.submissions.values()) out[r.state]++;
    return out;
  }

  async countByRiskLevel(): Promise<Record<RiskLevel | 'unscored', number>> {
    const out: Record<RiskLevel | 'unscored', number> = { low: 0, medium: 0, high: 0, unscored: 0 };
    for (const r of this.submissions.values()) out[r.risk?.level ?? 'unscored']++;
    return out;
  }

  async insertDocument(row: KycDocumentRow): Promise<void> {
    if (!this.submissions.has(row.userId)) throw new Error(`document ${row.id}: no KYC case of user ${row.userId}`);
    if (this.documents.has(row.id)) throw new Error(`document ${row.id} exists`);
    this.documents.set(row.id, row);
  }

  async findDocument(userId: string, id: string): Promise<KycDocumentRow | undefined> {
    const d = this.documents.get(id);
    return d?.userId === userId ? d : undefined;
  }

  async listDocuments(userId: string): Promise<KycDocumentMeta[]> {
    return [...this.documents.values()]
      .filter((d) => d.userId === userId)
      .sort((a, b) => a.uploadedMs - b.uploadedMs || (a.id < b.id ? -1 : 1))
      .map(({ contentSealed: _c, mrzSealed: _m, ...meta }) => meta);
  }
}
