/**
 * The partition map as PostgreSQL says it is now: the partitions table joined with who holds each
 * partition's advisory lock, and the live engines (their session holds its member lock). The lock
 * is the truth of ownership; a row's owner is what it was announced as. They differ while a
 * takeover is between its lock and its epoch bump, and after an owner died (its row still names
 * it, its lock is gone): such a partition has no route and, lock free, is free to take.
 */
import type { OwnershipKeys } from './ownership-keys.js';
import type { PartitionRoute } from './ownership-port.js';

export interface LiveEngine {
  readonly id: string;
  readonly endpoint: string;
}

export interface MapRow {
  readonly partition: number;
  readonly epoch: number;
  /** As the row says (the last announced owner). */
  readonly owner: string | null;
  readonly endpoint: string | null;
  /** The server pid holding the partition's lock, or null when it is free. */
  readonly holderPid: number | null;
  /** The live engine of that pid, or null (free, or held by a session that is no live engine). */
  readonly holder: string | null;
}

export interface PartitionMap {
  readonly engines: readonly LiveEngine[];
  readonly rows: readonly MapRow[];
}

type RawRow = [number, number, string | null, string | null, number | null, string | null];

/**
 * One statement, so the locks are read once (pg_locks is a snapshot per call) and engines and
 * partitions agree. pg_locks spans every database of the server: the database is part of the key.
 */
const READ_MAP = `
WITH l AS MATERIALIZED (
  SELECT classid, objid, pid FROM pg_locks
   WHERE locktype = 'advisory' AND granted AND objsubid = 2
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND classid IN (hashtext($1)::oid, hashtext($2)::oid)),
live AS (
  SELECT e.engine_id, e.endpoint, e.backend_pid FROM cluster_engines e
    JOIN l ON l.classid = hashtext($2)::oid AND l.objid = hashtext(e.engine_id)::oid AND l.pid = e.backend_pid)
SELECT
  (SELECT coalesce(json_agg(json_build_object('id', engine_id, 'endpoint', coalesce(endpoint, '')) ORDER BY engine_id), '[]'::json) FROM live) AS engines,
  (SELECT coalesce(json_agg(json_build_array(p.partition, p.epoch, p.owner, p.endpoint, l.pid, live.engine_id) ORDER BY p.partition), '[]'::json)
     FROM partitions p
     LEFT JOIN l ON l.classid = hashtext($1)::oid AND l.objid = p.partition::oid
     LEFT JOIN live ON live.backend_pid = l.pid) AS partitions`;

export async function readPartitionMap(
  q: { query<R extends object>(text: string, values?: readonly unknown[], timeoutMs?: number): Promise<{ rows: R[] }> },
  keys: OwnershipKeys,
  timeoutMs?: number,
): Promise<PartitionMap> {
  const r = (await q.query<{ engines: LiveEngine[]; partitions: RawRow[] }>(READ_MAP, [keys.partitionClass, keys.memberClass], timeoutMs)).rows[0];
  if (!r) return { engines: [], rows: [] };
  return {
    engines: r.engines,
    rows: r.partitions.map(([partition, epoch, owner, endpoint, holderPid, holder]) => ({ partition, epoch, owner, endpoint, holderPid, holder })),
  };
}

/** Owned by a session that is not a planning engine (a takeover of ours in transit, a dead engine's lingering session). */
const BUSY = '\u0000busy';

/**
 * The owners planBalance wants: `me` for what this engine has adopted, the holding engine for a
 * lock held elsewhere, undefined for a free lock (whatever the row says), and a placeholder that is
 * neither for a lock held but not planable (this engine's own lock of a partition it no longer
 * owns, about to be released; a session that is not a live engine).
 */
export function ownersForPlan(map: PartitionMap, me: string, owned: ReadonlySet<number>): (string | undefined)[] {
  return map.rows.map((r) => {
    if (owned.has(r.partition)) return me;
    if (r.holderPid === null) return undefined;
    if (r.holder === null || r.holder === me) return BUSY;
    return r.holder;
  });
}

/** Free partitions (no session holds their lock). */
export const freeCount = (map: PartitionMap): number => map.rows.reduce((n, r) => n + (r.holderPid === null ? 1 : 0), 0);

/** A partition's route: only when its announced owner is the live engine holding its lock. */
export function routeFrom(row: MapRow | undefined): PartitionRoute | undefined {
  if (!row || row.owner === null || row.owner !== row.holder) return undefined;
  return { partition: row.partition, owner: row.owner, endpoint: row.endpoint ?? '', epoch: row.epoch };
}

/** What onChange listeners care about: the live engines and each partition's routed owner and epoch. */
export function mapSignature(map: PartitionMap): string {
  const engines = map.engines.map((e) => `${e.id}@${e.endpoint}`).join(',');
  const rows = map.rows.map((r) => `${routeFrom(r)?.owner ?? ''}#${r.epoch}`).join(',');
  return `${engines}|${rows}`;
}
