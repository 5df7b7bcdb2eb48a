/**
 * The compliance officer's view: the KYC backlog (counts and the cases waiting for an officer, from
 * REST, read again every half minute) and the live AML alert stream (the `alerts` channel), newest
 * first, high severity highlighted.
 */
import { el, setText } from './dom';
import { num, time } from './format';
import type { AlertOut } from '../../../src/client/index.js';

/** Alerts kept on screen; older ones are in GET /compliance/alerts. */
const MAX_ALERTS = 200;

export interface KycBacklog {
  readonly submitted: number;
  readonly in_review: number;
  readonly approved: number;
  readonly rejected: number;
  readonly needs_info: number;
  readonly waiting: number;
}

export interface KycCaseRow {
  readonly userId: string;
  readonly state: string;
  readonly updatedMs: number;
  readonly risk?: { readonly level?: string } | null;
}

export class ComplianceView {
  private readonly seen = new Set<string>();

  constructor(
    private readonly alertsBody: HTMLTableSectionElement,
    private readonly alertCount: HTMLElement,
    private readonly backlog: HTMLElement,
    private readonly casesBody: HTMLTableSectionElement,
  ) {}

  /** New alerts (a batch from the stream or the first page from REST), drawn newest first. */
  addAlerts(alerts: Iterable<AlertOut>): void {
    const fresh = [...alerts].filter((a) => !this.seen.has(a.alertId));
    // Ids are decimal strings that only grow: order by length, then text.
    fresh.sort((a, b) => b.alertId.length - a.alertId.length || (b.alertId < a.alertId ? -1 : 1));
    const rows = fresh.map((a) => {
      this.seen.add(a.alertId);
      const tr = el('tr', { 'data-alert': a.alertId, class: `sev-${a.severity}` });
      for (const v of [a.alertId, a.severity, a.rule, a.customerId ?? '—', a.portfolioId, num(a.notional), a.state, time(a.createdMs)]) tr.append(el('td', {}, v));
      return tr;
    });
    if (rows.length > 0) this.alertsBody.querySelector('tr.empty')?.remove();
    this.alertsBody.prepend(...rows);
    if (this.alertsBody.rows.length === 0) this.alertsBody.append(emptyRow(8, 'No alert yet: new ones appear here as they are raised.'));
    while (this.alertsBody.rows.length > MAX_ALERTS) this.alertsBody.lastElementChild?.remove();
    setText(this.alertCount, `(${this.seen.size === 0 ? 0 : this.alertsBody.querySelectorAll('tr[data-alert]').length} shown)`);
  }

  setBacklog(b: KycBacklog | null): void {
    if (b === null) return void this.backlog.replaceChildren(el('p', { class: 'muted' }, 'KYC is not enabled on this engine.'));
    const tile = (label: string, v: number, cls = '') => {
      const d = el('div', { class: `tile ${cls}`, 'data-kyc': label });
      d.append(el('span', { class: 'value' }, String(v)), el('span', { class: 'label' }, label.replace('_', ' ')));
      return d;
    };
    this.backlog.replaceChildren(
      tile('waiting', b.waiting, b.waiting > 0 ? 'warn' : ''), tile('submitted', b.submitted), tile('in_review', b.in_review),
      tile('needs_info', b.needs_info), tile('approved', b.approved), tile('rejected', b.rejected),
    );
  }

  setCases(cases: readonly KycCaseRow[]): void {
    const rows = cases.map((c) => {
      const tr = el('tr', { 'data-case': c.userId });
      for (const v of [c.userId, c.state, c.risk?.level ?? '—', time(c.updatedMs)]) tr.append(el('td', {}, v));
      return tr;
    });
    this.casesBody.replaceChildren(...(rows.length > 0 ? rows : [emptyRow(4, 'No case is waiting for review.')]));
  }
}

function emptyRow(span: number, text: string): HTMLTableRowElement {
  const tr = el('tr', { class: 'empty' });
  tr.append(el('td', { colspan: String(span), class: 'muted' }, text));
  return tr;
}
