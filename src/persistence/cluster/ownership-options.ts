/**
 * The options of openOwnership, their defaults (one object) and their validation (every bad
 * option listed at once).
 */
import type pg from 'pg';
import type { LogFn } from '../../logger.js';
import { DEFAULT_PARTITIONS, MAX_PARTITIONS } from '../../engine/cluster/partitions.js';
import { quoteSchema } from '../database.js';
import { ownershipErrors } from './ownership-errors.js';
import type { OwnerHooks } from './ownership-port.js';

export interface OwnershipOptions {
  /** Settings of the ownership session (Database.connection: its search_path names the schema). */
  readonly connection: pg.ClientConfig;
  /** The schema of the deployment (DATABASE_SCHEMA): it keys the advisory locks and the channel. */
  readonly schema: string;
  /** This engine's name (ENGINE_ID), unique among live engines, 1 to 200 characters. */
  readonly engineId: string;
  /** Where other engines reach this one (opaque here: written to partitions.endpoint). */
  readonly endpoint: string;
  /** The partition count of the deployment (default 256); the partitions table must agree. */
  readonly partitions?: number;
  /**
   * How long a silent ownership session lives on the server (idle_session_timeout and
   * tcp_user_timeout, default 3000 ms): a frozen or cut-off engine loses its partitions after it.
   */
  readonly sessionTimeoutMs?: number;
  /** A query on the ownership session at least this often while it is idle (default sessionTimeoutMs / 3). */
  readonly heartbeatMs?: number;
  /** How often the partition map is read and the balance planned (default 200 ms); a NOTIFY reads it at once. */
  readonly pollMs?: number;
  /** First wait before reconnecting a lost session; it doubles up to sessionTimeoutMs (default 100 ms). */
  readonly reconnectMs?: number;
  readonly log?: LogFn;
  readonly hooks: OwnerHooks;
}

export const OWNERSHIP_DEFAULTS = Object.freeze({
  partitions: DEFAULT_PARTITIONS,
  // Three heartbeats fit in it, so one late heartbeat does not cost the partitions; and a frozen
  // owner's partitions are free again within ~3 s plus one poll (issue 19 asks for 5 s).
  sessionTimeoutMs: 3000,
  // A killed owner's session ends at once (the server sees the socket close): the poll is what a
  // survivor waits for, so it bounds the takeover (~pollMs + the takeover itself, well under 1 s).
  pollMs: 200,
  reconnectMs: 100,
});

export type ResolvedOwnershipOptions = Required<Omit<OwnershipOptions, 'log'>> & { readonly log: LogFn };

const noLog: LogFn = () => {};

/** Fills the defaults and checks every option; throws OWNERSHIP_BAD_OPTION listing each bad one. */
export function resolveOwnershipOptions(o: OwnershipOptions): ResolvedOwnershipOptions {
  const partitions = o.partitions ?? OWNERSHIP_DEFAULTS.partitions;
  const sessionTimeoutMs = o.sessionTimeoutMs ?? OWNERSHIP_DEFAULTS.sessionTimeoutMs;
  const heartbeatMs = o.heartbeatMs ?? Math.floor(sessionTimeoutMs / 3);
  const pollMs = o.pollMs ?? OWNERSHIP_DEFAULTS.pollMs;
  const reconnectMs = o.reconnectMs ?? OWNERSHIP_DEFAULTS.reconnectMs;
  const problems: string[] = [];
  try {
    quoteSchema(o.schema);
  } catch (err) {
    problems.push(`schema: ${(err as Error).message}`);
  }
  if (typeof o.engineId !== 'string' || o.engineId.length < 1 || o.engineId.length > 200) problems.push(`engineId = ${JSON.stringify(o.engineId)}, expected 1 to 200 characters`);
  if (typeof o.endpoint !== 'string' || o.endpoint.length === 0) problems.push(`endpoint = ${JSON.stringify(o.endpoint)}, expected a non-empty address`);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) problems.push(`partitions = ${partitions}, expected an integer in [1, ${MAX_PARTITIONS}]`);
  // The server's timeouts are whole milliseconds; under 100 ms a busy server would cut healthy sessions.
  if (!Number.isInteger(sessionTimeoutMs) || sessionTimeoutMs < 100) problems.push(`sessionTimeoutMs = ${sessionTimeoutMs}, expected an integer of at least 100`);
  if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0 || heartbeatMs >= sessionTimeoutMs) problems.push(`heartbeatMs = ${heartbeatMs}, expected more than 0 and less than sessionTimeoutMs (${sessionTimeoutMs})`);
  if (!Number.isFinite(pollMs) || pollMs <= 0) problems.push(`pollMs = ${pollMs}, expected more than 0`);
  if (!Number.isFinite(reconnectMs) || reconnectMs <= 0) problems.push(`reconnectMs = ${reconnectMs}, expected more than 0`);
  if (!o.hooks || typeof o.hooks.adopt !== 'function' || typeof o.hooks.drop !== 'function' || typeof o.hooks.quiesce !== 'function') problems.push('hooks: expected adopt, drop and quiesce functions');
  if (problems.length > 0) throw ownershipErrors.badOptions(problems);
  return { connection: o.connection, schema: o.schema, engineId: o.engineId, endpoint: o.endpoint, partitions, sessionTimeoutMs, heartbeatMs, pollMs, reconnectMs, log: o.log ?? noLog, hooks: o.hooks };
}
