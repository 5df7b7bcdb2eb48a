/**
 * The RTS 22 report as an ISO 20022 FinInstrmRptgTxRpt message (auth.016.001.01, the message
 * ESMA's transaction reporting schema is a restriction of): Document / FinInstrmRptgTxRpt / Tx /
 * New per record, elements in the order of the schema (test/fixtures/auth.016.001.01-subset.xsd
 * is the subset emitted). Only the elements for the fields a record fills are written; an
 * optional element with no value is left out, as the schema requires (an empty element would not
 * be valid). Text and attribute values are escaped. Pure and deterministic: two-space indent, '\n'
 * line ends, no generation time (that lives on the report's row).
 *
 * A period with no executions gives a FinInstrmRptgTxRpt with no Tx: there is nothing to submit
 * (the schema wants at least one Tx, so such a file is not sent).
 */
import { decimalString, rts22Records, type Rts22FirmPerson, type Rts22Input, type Rts22Person, type Rts22Record, type Rts22Side } from './rts22-record.js';

export const AUTH016_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:auth.016.001.01';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** A tiny writer: elements with text or children, indented by depth. */
type Node = { readonly name: string; readonly text?: string; readonly attrs?: Readonly<Record<string, string>>; readonly children?: readonly (Node | null)[] };
const el = (name: string, ...children: (Node | null)[]): Node => ({ name, children });
const txt = (name: string, text: string, attrs?: Record<string, string>): Node => ({ name, text, ...(attrs ? { attrs } : {}) });
const opt = (name: string, text: string | null): Node | null => (text === null ? null : txt(name, text));

function write(n: Node, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(n.attrs ?? {}).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  if (n.text !== undefined) {
    out.push(`${pad}<${n.name}${attrs}>${escapeXml(n.text)}</${n.name}>`);
    return;
  }
  const kids = (n.children ?? []).filter((c): c is Node => c !== null);
  if (kids.length === 0) {
    out.push(`${pad}<${n.name}${attrs}/>`);
    return;
  }
  out.push(`${pad}<${n.name}${attrs}>`);
  for (const k of kids) write(k, depth + 1, out);
  out.push(`${pad}</${n.name}>`);
}

const concatOthr = (id: string) => el('Othr', txt('Id', id), el('SchmeNm', txt('Prtry', 'CONCAT')));

const personId = (p: Rts22Person) =>
  el('Prsn', txt('FrstNm', p.firstNames), txt('Nm', p.surname), txt('BirthDt', p.dateOfBirth), concatOthr(p.nationalId));

function side(name: 'Buyr' | 'Sellr', s: Rts22Side): Node {
  const id = s.id.kind === 'lei' ? txt('LEI', s.id.lei) : s.id.kind === 'mic' ? txt('MIC', s.id.mic) : personId(s.id.person);
  return el(name,
    el('AcctOwnr', el('Id', id), opt('CtryOfBrnch', s.branchCountry)),
    s.decisionMaker ? el('DcsnMakr', txt('LEI', s.decisionMaker.lei)) : null);
}

const firmPerson = (p: Rts22FirmPerson) => el('Prsn', txt('CtryOfBrnch', p.branchCountry), concatOthr(p.nationalId));

const amount = (value: number, ccy: string) => el('Pric', el('MntryVal', txt('Amt', decimalString(value), { Ccy: ccy })));

function newTx(r: Rts22Record): Node {
  const i = r.instrument;
  return el('New',
    txt('TxId', r.transactionReference),
    txt('ExctgPty', r.executingEntity),
    txt('InvstmtPtyInd', String(r.investmentFirm)),
    txt('SubmitgPty', r.submittingEntity),
    side('Buyr', r.buyer),
    side('Sellr', r.seller),
    el('OrdrTrnsmssn', txt('TrnsmssnInd', String(r.transmission))),
    el('Tx',
      txt('TradDt', r.tradingDateTime),
      txt('TradgCpcty', r.tradingCapacity),
      el('Qty', txt('Unit', decimalString(r.quantity, 17))),
      el('Pric', amount(r.price, r.priceCurrency)),
      txt('TradVn', r.venue)),
    el('FinInstrm', el('Othr',
      el('FinInstrmGnlAttrbts', txt('FullNm', i.fullName), txt('ClssfctnTp', i.cfi), txt('NtnlCcy', i.notionalCurrency)),
      el('DerivInstrmAttrbts',
        txt('XpryDt', i.expiryDate),
        txt('PricMltplr', decimalString(i.priceMultiplier, 17)),
        el('UndrlygInstrm', el('Othr', el('Sngl', txt('ISIN', i.underlyingIsin)))),
        txt('OptnTp', i.optionType),
        el('StrkPric', amount(i.strike, i.strikeCurrency)),
        txt('OptnExrcStyle', i.exerciseStyle),
        txt('DlvryTp', i.deliveryType)))),
    r.investmentDecision ? el('InvstmtDcsnPrsn', firmPerson(r.investmentDecision)) : null,
    el('ExctgPrsn', 'nationalId' in r.execution ? firmPerson(r.execution) : txt('Clnt', 'NORE')),
    el('AddtlAttrbts', opt('ShrtSellgInd', r.shortSelling), txt('SctiesFincgTxInd', String(r.securitiesFinancing))));
}

export function renderRts22Xml(input: Rts22Input): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const doc: Node = { name: 'Document', attrs: { xmlns: AUTH016_NAMESPACE }, children: [el('FinInstrmRptgTxRpt', ...rts22Records(input).map((r) => el('Tx', newTx(r))))] };
  write(doc, 0, out);
  return out.join('\n') + '\n';
}
