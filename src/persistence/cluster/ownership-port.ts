/**
 * What the ownership coordinator (ownership.ts) and the engine's owner-side (the journal, the
 * engine's adopt/release, the gateway's routing) tell each other. docs/SCALE-OUT.md has the design.
 */

/** A partition just taken: its epoch (the fence) and the sequence of its newest journal row. */
export interface PartitionGrant {
  readonly partition: number;
  readonly epoch: number;
  readonly journalSeq: number;
}

/** Why an engine stops owning partitions. */
export type DropReason = 'session-lost' | 'fenced' | 'handoff' | 'shutdown';

/** Where a partition is owned, as the partitions table says. */
export interface PartitionRoute {
  readonly partition: number;
  readonly owner: string;
  readonly endpoint: string;
  readonly epoch: number;
}

/** The owner-side hooks the coordinator calls. */
export interface OwnerHooks {
  /**
   * Partitions just taken (epoch bumped and announced). Project the journal (what the previous
   * owners committed), rebuild them from PostgreSQL and start accepting for them; the coordinator
   * counts them owned once this resolves.
   * A rejection gives them back (released, taken again later).
   */
  adopt(grants: readonly PartitionGrant[]): Promise<void>;
  /**
   * Stop accepting for these partitions now (synchronously): their portfolios leave the engine and
   * what waited for their commits fails without an acknowledgement. Called before their locks go.
   */
  drop(partitions: readonly number[], why: DropReason): void;
  /**
   * Before a clean handoff: stop accepting for these partitions and resolve once everything
   * recorded for them is committed. `drop(…, 'handoff')` follows, then the release.
   */
  quiesce(partitions: readonly number[]): Promise<void>;
}

/** What the rest of the engine asks of the coordinator. */
export interface OwnershipView {
  readonly engineId: string;
  readonly partitions: number;
  /** Taken and adopted: messages for it are handled here. */
  owns(partition: number): boolean;
  /** The partition's owner as last read (undefined while it has none). */
  routeOf(partition: number): PartitionRoute | undefined;
  /** Live engines (their ownership session holds its member lock). */
  engines(): readonly { readonly id: string; readonly endpoint: string }[];
  /** Every partition with its owner and epoch (GET /cluster). */
  table(): readonly { readonly partition: number; readonly owner: string | null; readonly epoch: number }[];
  /** Owns its share, or has handed its partitions off cleanly (readyz). */
  ready(): boolean;
  /** The journal found these partitions fenced (another engine took them): drop and release them. */
  fenced(partitions: readonly number[]): void;
  /** Called whenever the routing map changes (a takeover, a release, an engine joining or leaving). */
  onChange(listener: () => void): () => void;
}
