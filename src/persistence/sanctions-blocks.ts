/**
 * The customers a sanctions screening blocked, as the engine asks synchronously when a portfolio is
 * created for one (it is created halted, reason SANCTIONS: a block halts the customer's trading,
 * not only the portfolios they had then). Filled at start from the KYC cases whose latest screening
 * decided `block` (KycService.sanctionsBlockedUserIds), and by every block found while running
 * (screening-hits.ts), a counterparty's included.
 *
 * Nothing is taken out while the engine runs: lifting a sanctions halt is a person's decision, made
 * portfolio by portfolio (POST /risk/limits). After a restart the set holds the customers whose
 * latest KYC screening still blocks; the engine also halts a new portfolio of an owner who has one
 * halted for SANCTIONS (engine.ts), which the journal keeps across restarts.
 *
 * With several engines (docs/SCALE-OUT.md) each has its own set, and every block found by one is
 * told to the others over the internal link (gateway/cluster/cluster-blocks.ts).
 */
export class SanctionsBlocks {
  private readonly blocked = new Set<string>();

  load(userIds: Iterable<string>): void {
    for (const u of userIds) this.blocked.add(u);
  }

  add(userId: string): void {
    this.blocked.add(userId);
  }

  /** Every blocked customer (scale-out: a peer engine gets them all when its link comes up). */
  all(): Iterable<string> {
    return this.blocked.values();
  }

  isBlocked(ownerId: string): boolean {
    return this.blocked.has(ownerId);
  }

  get size(): number {
    return this.blocked.size;
  }
}
