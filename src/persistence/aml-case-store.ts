/**
 * The case of each AML alert, stored: the state and assignee on aml_alerts, each change and note in
 * aml_case_changes and aml_case_notes (migration 0014). A change is a pure function of
 * src/engine/compliance/aml/alert-case.ts applied to the case as stored, under a row lock, so two
 * officers acting on one case at once are applied one after the other, each to the other's result.
 * A refused change writes nothing and comes back as the engine's Failure (a stable code).
 */
import type pg from 'pg';
import type { AlertCase, CaseChange, CaseNote, CaseResult, CaseState } from '../engine/compliance/aml/alert-case.js';
import { inTransaction } from './transaction.js';

export interface AmlCaseStore {
  /** The case of alert `alertId` (aml_alerts.id as text); undefined when there is no such alert. */
  caseOf(alertId: string): Promise<AlertCase | undefined>;
  /** `change` applied to the stored case and written when accepted; undefined when there is no such alert. */
  change(alertId: string, change: (c: AlertCase) => CaseResult): Promise<CaseResult | undefined>;
}

interface AlertRow { fill_id: string; rule: string; state: CaseState; assignee: string | null; opened_ms: number; updated_ms: number }
interface ChangeRow { at_ms: number; actor: string; reason: string; from_state: CaseState; to_state: CaseState }
interface NoteRow { at_ms: number; author: string; text: string }

/** An id as aml_alerts makes them (bigint identity); anything else names no alert. */
const ALERT_ID = /^[1-9]\d{0,17}$/;

const ALERT = `
SELECT fill_id, rule, state, assignee, extract(epoch FROM created_at)::float8 * 1000 AS opened_ms, extract(epoch FROM updated_at)::float8 * 1000 AS updated_ms
  FROM aml_alerts WHERE id = $1::bigint`;
const CHANGES = `SELECT at_ms, actor, reason, from_state, to_state FROM aml_case_changes WHERE alert_id = $1::bigint ORDER BY seq`;
const NOTES = `SELECT at_ms, author, text FROM aml_case_notes WHERE alert_id = $1::bigint ORDER BY seq`;

async function load(client: pg.Pool | pg.PoolClient, alertId: string, lock: boolean): Promise<AlertCase | undefined> {
  const alert = (await client.query<AlertRow>(lock ? `${ALERT} FOR UPDATE` : ALERT, [alertId])).rows[0];
  if (alert === undefined) return undefined;
  const changes = (await client.query<ChangeRow>(CHANGES, [alertId])).rows;
  const notes = (await client.query<NoteRow>(NOTES, [alertId])).rows;
  return {
    alertKey: `${alert.rule}:${alert.fill_id}`, state: alert.state, ...(alert.assignee !== null ? { assignee: alert.assignee } : {}),
    openedMs: alert.opened_ms, updatedMs: alert.updated_ms,
    history: changes.map((r): CaseChange => ({ atMs: r.at_ms, actor: r.actor, reason: r.reason, from: r.from_state, to: r.to_state })),
    notes: notes.map((r): CaseNote => ({ atMs: r.at_ms, author: r.author, text: r.text })),
  };
}

export function pgAmlCaseStore(pool: pg.Pool): AmlCaseStore {
  return {
    async caseOf(alertId) {
      return ALERT_ID.test(alertId) ? load(pool, alertId, false) : undefined;
    },
    async change(alertId, change) {
      if (!ALERT_ID.test(alertId)) return undefined;
      // A missing alert or a refused change writes nothing: its transaction commits no write.
      return inTransaction(pool, async (client) => {
        const before = await load(client, alertId, true);
        if (before === undefined) return undefined;
        const result = change(before);
        if (!result.ok) return result;
        const after = result.value;
        await client.query(`UPDATE aml_alerts SET state = $2, assignee = $3, updated_at = to_timestamp($4::float8 / 1000) WHERE id = $1::bigint`, [
          alertId, after.state, after.assignee ?? null, after.updatedMs,
        ]);
        for (const [i, c] of after.history.entries()) {
          if (i < before.history.length) continue;
          await client.query(`INSERT INTO aml_case_changes (alert_id, seq, at_ms, actor, reason, from_state, to_state) VALUES ($1::bigint, $2, $3, $4, $5, $6, $7)`, [
            alertId, i + 1, c.atMs, c.actor, c.reason, c.from, c.to,
          ]);
        }
        for (const [i, n] of after.notes.entries()) {
          if (i < before.notes.length) continue;
          await client.query(`INSERT INTO aml_case_notes (alert_id, seq, at_ms, author, text) VALUES ($1::bigint, $2, $3, $4, $5)`, [alertId, i + 1, n.atMs, n.author, n.text]);
        }
        return result;
      });
    },
  };
}
