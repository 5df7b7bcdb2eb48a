/**
 * Master-key rotation (`risk-engine keys rotate`): every data key not yet under the current master
 * key (ENCRYPTION_KEY) is unwrapped with the one its envelope names (ENCRYPTION_KEY_PREVIOUS) and
 * wrapped again under the current one. The data keys themselves do not change, so no field is
 * re-encrypted and a running engine that holds both master keys reads every key throughout.
 *
 * - In batches, each in a transaction of its own, the batch's rows locked: a rotation stopped half
 *   way has committed whole batches, and running it again continues with what is left.
 * - Idempotent: keys already under the current master are not touched (the query never sees them).
 * - A key that no configured master key opens (its master was dropped before rotation finished, or
 *   the row was changed) is left as it is and reported with its user; the rotation continues with
 *   the others, so one bad row does not hold every other user's key on the old master.
 */
import type pg from 'pg';
import { rewrapDataKey } from './field-crypto.js';
import { dataKeyError, masterLookup } from './data-keys.js';
import type { MasterKeys } from './master-keys.js';

export interface RotationFailure {
  readonly userId: string;
  readonly keyId: string;
  readonly masterKeyId: string;
  readonly code: string;
  readonly message: string;
}

export interface RotationResult {
  /** Re-wrapped under the current master key by this run. */
  readonly rewrapped: number;
  /** Under the current master key already when this run started. */
  readonly alreadyCurrent: number;
  readonly failed: readonly RotationFailure[];
  readonly currentMasterKeyId: string;
}

export interface RotationOptions {
  /** Keys per transaction (default 500). */
  readonly batch?: number;
  /** Called after each committed batch with the running count. */
  readonly onBatch?: (rewrappedSoFar: number) => void;
}

export const ROTATION_DEFAULTS = Object.freeze({ batch: 500 });

export async function rotateDataKeys(pool: pg.Pool, masters: MasterKeys, opts: RotationOptions = {}): Promise<RotationResult> {
  const batch = opts.batch ?? ROTATION_DEFAULTS.batch;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`rotateDataKeys: batch = ${batch}, expected an integer >= 1`);
  const current = masters.current;
  const masterOf = masterLookup(masters);
  const alreadyCurrent = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM data_keys WHERE master_key_id = $1`, [current.id])).rows[0]?.n ?? 0);
  const failed: RotationFailure[] = [];
  let rewrapped = 0;
  // Rows are walked in user order past a cursor, so a row that fails is not fetched again.
  let after = '';
  for (;;) {
    const client = await pool.connect();
    let last: string | undefined;
    try {
      await client.query('BEGIN');
      const rows = (await client.query<{ user_id: string; key_id: string; master_key_id: string; wrapped: string }>(
        `SELECT user_id, key_id, master_key_id, wrapped FROM data_keys
          WHERE master_key_id <> $1 AND user_id > $2 ORDER BY user_id LIMIT $3 FOR UPDATE`,
        [current.id, after, batch],
      )).rows;
      const users: string[] = [], wrapped: string[] = [];
      for (const r of rows) {
        const next = rewrapDataKey(masterOf, current, r.user_id, r.wrapped);
        if (next.ok) {
          users.push(r.user_id);
          wrapped.push(next.value);
        } else {
          const e = dataKeyError(next.code, { userId: r.user_id, keyId: r.key_id, wrapped: r.wrapped });
          failed.push({ userId: r.user_id, keyId: r.key_id, masterKeyId: r.master_key_id, code: e.code, message: e.message });
        }
      }
      if (users.length > 0) {
        await client.query(
          `UPDATE data_keys d SET wrapped = u.wrapped, master_key_id = $3, rewrapped_at = now()
             FROM unnest($1::text[], $2::text[]) AS u(user_id, wrapped) WHERE d.user_id = u.user_id`,
          [users, wrapped, current.id],
        );
      }
      await client.query('COMMIT');
      last = rows.at(-1)?.user_id;
      rewrapped += users.length;
      if (users.length > 0) opts.onBatch?.(rewrapped);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    if (last === undefined) break;
    after = last;
  }
  return { rewrapped, alreadyCurrent, failed, currentMasterKeyId: current.id };
}

export interface KeyStatusLine {
  readonly masterKeyId: string;
  readonly dataKeys: number;
  /** How the configuration knows that master key. */
  readonly role: 'current' | 'previous' | 'unknown';
}

/** How many data keys each master key wraps (`risk-engine keys status`), the current one first. */
export async function dataKeyStatus(pool: pg.Pool, masters: MasterKeys): Promise<readonly KeyStatusLine[]> {
  const r = await pool.query<{ master_key_id: string; n: string }>(`SELECT master_key_id, count(*) AS n FROM data_keys GROUP BY master_key_id ORDER BY master_key_id`);
  const previous = new Set(masters.previous.map((k) => k.id));
  const lines: KeyStatusLine[] = r.rows.map((x) => ({
    masterKeyId: x.master_key_id, dataKeys: Number(x.n),
    role: x.master_key_id === masters.current.id ? 'current' : previous.has(x.master_key_id) ? 'previous' : 'unknown',
  }));
  if (!lines.some((l) => l.role === 'current')) lines.push({ masterKeyId: masters.current.id, dataKeys: 0, role: 'current' });
  const rank = { current: 0, previous: 1, unknown: 2 } as const;
  return lines.sort((a, b) => rank[a.role] - rank[b.role] || a.masterKeyId.localeCompare(b.masterKeyId));
}
