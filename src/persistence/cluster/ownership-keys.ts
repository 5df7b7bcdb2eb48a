/**
 * The names the engines of one deployment (one schema) agree on: the advisory-lock classes and the
 * NOTIFY channel. Keyed by the schema so two deployments on one database never share a lock.
 *
 * Locks are the two-int4 kind: (hashtext(class), n). The class strings are passed as parameters and
 * hashed in SQL, so every engine (and an operator in psql) gets the same keys without a copy of
 * PostgreSQL's hash here.
 */
import { fnv1a32 } from '../../engine/cluster/partitions.js';

export interface OwnershipKeys {
  /** hashtext(partitionClass), p: held by the owner of partition p. */
  readonly partitionClass: string;
  /** hashtext(memberClass), hashtext(engineId): held by a live engine's ownership session. */
  readonly memberClass: string;
  /** Announces takeovers, releases and engines joining; payload {engine, event, count}. */
  readonly channel: string;
}

/** PostgreSQL truncates identifiers at 63 bytes and pg_notify refuses longer channel names. */
const MAX_CHANNEL = 63;

export function ownershipKeys(schema: string): OwnershipKeys {
  let channel = `partitions:${schema}`;
  // A 63-character schema does not fit with the prefix: keep its start and a hash of the whole.
  if (channel.length > MAX_CHANNEL) channel = `partitions:${schema.slice(0, 42)}:${fnv1a32(schema).toString(16)}`;
  return { partitionClass: `${schema}/partitions`, memberClass: `${schema}/engines`, channel };
}

/** A channel in LISTEN (an identifier, never a bind parameter): quoted, as it contains ':'. */
export const quoteChannel = (channel: string): string => `"${channel.replace(/"/g, '""')}"`;

/** What a NOTIFY on the channel carries: who did what, to how many partitions (the map itself is read again). */
export interface OwnershipNotice {
  readonly engine: string;
  readonly event: 'took' | 'released' | 'joined' | 'left';
  readonly count: number;
}
