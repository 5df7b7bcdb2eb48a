/**
 * Sanctions blocks shared by the engines (scale-out: docs/SCALE-OUT.md). Each engine keeps the
 * customers a screening blocked in memory (persistence/sanctions-blocks.ts), and its engine asks
 * that set synchronously when it creates a portfolio, so that a blocked customer's new portfolio
 * starts halted. A block found on one engine must be in every engine's set:
 *
 * - found here: added here and broadcast on the link (`blocked`) at once, before the halt that
 *   follows it (screening-hits.ts), and the link keeps one engine's messages in order, so a peer
 *   has the block before it halts the customer's portfolios: a portfolio it creates for them after
 *   that halt starts halted, one created before it is halted by it;
 * - on every link that comes up, this engine's whole set goes to the peer: an engine that was
 *   unreachable, restarting or new when a block was found learns it then.
 *
 * Over the link rather than by re-reading the database: the engine's check is synchronous and
 * in memory (no query per portfolio created); a poll of the database would leave a new portfolio
 * active for up to its interval after the block; and a block found by a counterparty screening is
 * kept in memory only (its alert is stored, not the block), so the database does not hold every
 * block to re-read. What a restart of every engine at once keeps is as on one engine: the blocks
 * the KYC cases record (main.ts loads them) and the portfolios halted for SANCTIONS.
 */
import type { ClusterTransport } from './cluster-transport.js';
import { BLOCKED_PER_PUSH } from './peer-messages.js';

/** This engine's set of blocked customers (SanctionsBlocks). */
export interface BlockedOwners {
  add(ownerId: string): void;
  all(): Iterable<string>;
}

export class ClusterBlocks {
  constructor(private readonly blocks: BlockedOwners, private readonly transport: ClusterTransport) {}

  /** A block this engine found: remembered here and told to every engine reachable now. */
  found(ownerId: string): void {
    this.blocks.add(ownerId);
    this.transport.broadcast({ t: 'blocked', ownerIds: [ownerId] });
  }

  /** Blocks a peer found or knew. Not passed on: every engine tells its own to each of its links. */
  received(ownerIds: readonly string[]): void {
    for (const id of ownerIds) this.blocks.add(id);
  }

  /** The link to `peer` came up: it gets every block known here. */
  linkUp(peer: string): void {
    let batch: string[] = [];
    for (const id of this.blocks.all()) {
      batch.push(id);
      if (batch.length === BLOCKED_PER_PUSH) {
        this.transport.send(peer, { t: 'blocked', ownerIds: batch });
        batch = [];
      }
    }
    if (batch.length > 0) this.transport.send(peer, { t: 'blocked', ownerIds: batch });
  }
}
