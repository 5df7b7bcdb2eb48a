/**
 * The PostgreSQL NOTIFY channel on which a new AML alert is announced, once per schema: engines of
 * two schemas on one server do not hear each other's alerts. The name is computed twice, by the
 * statement that stores alerts (from its own search_path, so an alert is announced in the schema it
 * was stored in whoever stores it) and by the listener (from the schema it was given); both are here
 * so they stay the same. A channel is an identifier (at most 63 bytes): a digest keeps any schema's short.
 */
import { createHash } from 'node:crypto';

const PREFIX = 'aml_alert_';

export function amlAlertChannel(schema: string): string {
  return `${PREFIX}${createHash('sha256').update(schema, 'utf8').digest('hex').slice(0, 16)}`;
}

/** amlAlertChannel(current_schema()) as an SQL expression. */
export const AML_ALERT_CHANNEL_SQL = `'${PREFIX}' || left(encode(sha256(convert_to(current_schema(), 'UTF8')), 'hex'), 16)`;

/**
 * A notice's payload names the alerts one statement stored: their ids, comma-separated, or (past
 * this many, so the payload stays far below NOTIFY's 8000 bytes) the range `min-max` of them.
 */
export const IDS_PER_NOTICE = 300;

/** The alerts a notice names, or undefined when the payload is not one of ours (anyone on the database may NOTIFY). */
export function parseAlertNotice(payload: string): { readonly ids: readonly string[] } | { readonly from: string; readonly to: string } | undefined {
  const range = /^([1-9]\d{0,17})-([1-9]\d{0,17})$/.exec(payload);
  if (range) return { from: range[1]!, to: range[2]! };
  const ids = payload.split(',');
  return ids.length > 0 && ids.every((id) => /^[1-9]\d{0,17}$/.test(id)) ? { ids } : undefined;
}
