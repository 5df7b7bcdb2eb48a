/**
 * The pre-trade check's synchronous answer to "is this customer's KYC approved?" (KYC_REQUIRED):
 * a set in this process, filled at start from the store and kept current by the KYC service's
 * onStateChanged. No read per order.
 *
 * Approval is final in the workflow (no transition leaves `approved`), so the set only grows and
 * a load racing with a change cannot undo it. Another engine process's approvals reach this one
 * at its next start, or through whatever the composition root relays to `record`.
 */
import type { KycState } from '../engine/compliance/kyc/review-workflow.js';

export class KycApprovals {
  private readonly approved = new Set<string>();

  /** Adds the customers approved so far (KycService.approvedUserIds). */
  load(userIds: Iterable<string>): void {
    for (const u of userIds) this.approved.add(u);
  }

  /** Give this to KycService as onStateChanged. */
  readonly record = (userId: string, state: KycState): void => {
    if (state === 'approved') this.approved.add(userId);
  };

  isApproved(userId: string): boolean {
    return this.approved.has(userId);
  }

  get size(): number {
    return this.approved.size;
  }
}
