import { describe, expect, it } from 'vitest';
import { RTS22_FIELDS } from '../../src/engine/reports/rts22/rts22-fields.js';
import { renderRts22Csv } from '../../src/engine/reports/rts22/rts22-csv.js';
import { utcMicros, type Rts22Input } from '../../src/engine/reports/rts22/rts22-record.js';
import { renderRts22Xml } from '../../src/engine/reports/rts22/rts22-xml.js';
import { csvRecords, parseCsv, parseXml, xsdErrors } from './rts22-scenario.js';

const FIRM_LEI = '7LTWFZYICNSX8D621K86';
const client = { nationalId: 'FR19800214JOHN#OBRIA', scheme: 'CONCAT' as const, firstNames: 'John & "Jack"', surname: "O'Brian <Sr>", dateOfBirth: '1980-02-14' };
const trader = { nationalId: 'DE19750101ANNA#MEIER', scheme: 'CONCAT' as const, branchCountry: 'DE' };
const aaplCall = {
  fullName: 'AAPL 2026-01-16 C 150', cfi: 'OCASPS', priceMultiplier: 100, underlyingIsin: 'US0378331005', optionType: 'CALL' as const,
  strike: 150, exerciseStyle: 'AMER' as const, expiryDate: '2026-01-16', deliveryType: 'PHYS' as const,
};
const spyPut = { ...aaplCall, fullName: 'SPY 2025-12-19 P 432.5', cfi: 'OPESPS', underlyingIsin: 'US78462F1030', optionType: 'PUTO' as const, strike: 432.5, exerciseStyle: 'EURO' as const, expiryDate: '2025-12-19' };

// Given out of time order, to show the renderer sorts: by time, then fill id.
const input: Rts22Input = {
  firm: { lei: FIRM_LEI, venueMic: 'XCBO', branchCountry: 'DE', currency: 'USD' },
  executions: [
    { fillId: 'HOUSE-f1', transactionReference: 'TRNHOUSE1', tsMs: Date.UTC(2025, 5, 2, 14, 0, 0, 250) + 0.5, side: 'sell', qty: 3, price: 7.1, instrument: spyPut, client: null, firmDecisionMaker: trader },
    { fillId: 'P1-f2', transactionReference: 'TRNP1F2', tsMs: Date.UTC(2025, 5, 2, 13, 30, 0, 1), side: 'buy', qty: 10, price: 2.35, instrument: aaplCall, client, firmDecisionMaker: null },
    { fillId: 'P1-f3', transactionReference: 'TRNP1F3', tsMs: Date.UTC(2025, 5, 2, 15, 0, 0), side: 'buy', qty: 1, price: 2.5, instrument: aaplCall, client, firmDecisionMaker: trader },
    { fillId: 'P1-f1', transactionReference: 'TRNP1F1', tsMs: Date.UTC(2025, 5, 2, 13, 30, 0, 1), side: 'sell', qty: 2, price: 2.3, instrument: aaplCall, client, firmDecisionMaker: trader },
  ],
};

describe('RTS 22 CSV', () => {
  const csv = renderRts22Csv(input);
  const records = csvRecords(csv);

  it('has a header of the 65 Table 2 fields by number and name, in order, and \\n line ends', () => {
    const header = parseCsv(csv)[0] as string[];
    expect(header).toHaveLength(65);
    expect(header.map((h) => Number(h.split(' ')[0]))).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
    expect(header[27]).toBe('28 Trading date time');
    expect(csv.includes('\r')).toBe(false);
    expect(csv.endsWith('\n')).toBe(true);
  });

  it('orders records by execution time, then fill id', () => {
    expect(records.map((r) => r[2])).toEqual(['TRNP1F1', 'TRNP1F2', 'TRNHOUSE1', 'TRNP1F3']);
  });

  it('reports a buy decided within the firm for the client with the firm as the buyer decision maker', () => {
    expect(records[3]).toMatchObject({ 7: 'FR19800214JOHN#OBRIA', 12: FIRM_LEI, 13: '', 16: 'XCBO', 21: '', 57: 'DE19750101ANNA#MEIER' });
  });

  it('reports a client-decided buy field by field', () => {
    const r = records[1] as Record<number, string>;
    expect(r).toMatchObject({
      1: 'NEWT', 2: 'TRNP1F2', 3: '', 4: FIRM_LEI, 5: 'true', 6: FIRM_LEI,
      7: 'FR19800214JOHN#OBRIA', 8: 'DE', 9: 'John & "Jack"', 10: "O'Brian <Sr>", 11: '1980-02-14', 12: '', 13: '', 14: '', 15: '',
      16: 'XCBO', 17: '', 18: '', 19: '', 20: '', 21: '',
      25: 'false', 26: '', 27: '', 28: '2025-06-02T13:30:00.001000Z', 29: 'AOTC', 30: '10', 31: '', 32: '', 33: '2.35', 34: 'USD',
      35: '', 36: 'XCBO', 37: '', 40: '', 41: '', 42: 'AAPL 2026-01-16 C 150', 43: 'OCASPS', 44: 'USD', 45: '', 46: '100',
      47: 'US0378331005', 48: '', 49: '', 50: 'CALL', 51: '150', 52: 'USD', 53: 'AMER', 54: '', 55: '2026-01-16', 56: 'PHYS',
      57: '', 58: '', 59: 'NORE', 60: '', 61: '', 62: '', 63: '', 64: '', 65: 'false',
    });
  });

  it('reports a sell decided by a person within the firm for the client: firm as decision maker, the person in 57 and 59', () => {
    const r = records[0] as Record<number, string>;
    expect(r).toMatchObject({ 7: 'XCBO', 8: '', 9: '', 16: 'FR19800214JOHN#OBRIA', 17: 'DE', 21: FIRM_LEI, 22: '', 29: 'AOTC', 30: '2', 33: '2.3', 57: 'DE19750101ANNA#MEIER', 58: 'DE', 59: 'DE19750101ANNA#MEIER', 60: 'DE' });
  });

  it('reports a house sell as dealing on own account, the firm as seller, to the microsecond', () => {
    const r = records[2] as Record<number, string>;
    expect(r).toMatchObject({ 16: FIRM_LEI, 17: '', 21: '', 28: '2025-06-02T14:00:00.250500Z', 29: 'DEAL', 43: 'OPESPS', 47: 'US78462F1030', 50: 'PUTO', 51: '432.5', 53: 'EURO', 57: 'DE19750101ANNA#MEIER' });
  });

  it('quotes cells with quotes or commas (RFC 4180) and reads back equal', () => {
    expect(csv).toContain('"John & ""Jack"""');
    expect((records[1] as Record<number, string>)[9]).toBe('John & "Jack"');
  });

  it('documents why each field empty in every record of the scenario is empty', () => {
    const empty = RTS22_FIELDS.filter((f) => records.every((r) => r[f.no] === ''));
    for (const f of empty) expect(f.emptyBecause, `field ${f.no}`).toBeTruthy();
  });

  it('gives the same bytes for the same input', () => {
    expect(renderRts22Csv(structuredClone(input))).toBe(csv);
  });
});

describe('RTS 22 XML (auth.016.001.01)', () => {
  const xml = renderRts22Xml(input);

  it('is valid against the auth.016.001.01 subset schema', async () => {
    expect(await xsdErrors(xml)).toEqual([]);
  });

  it('fails the schema when an element is out of order (the check can fail)', async () => {
    const swapped = xml.replace(/(<ExctgPty>[^<]*<\/ExctgPty>)(\s*)(<InvstmtPtyInd>[^<]*<\/InvstmtPtyInd>)/, '$3$2$1');
    expect(swapped).not.toBe(xml);
    expect((await xsdErrors(swapped)).length).toBeGreaterThan(0);
  });

  it('fails the schema for a bad LEI pattern or an unknown code', async () => {
    expect((await xsdErrors(xml.replace(`<ExctgPty>${FIRM_LEI}`, '<ExctgPty>NOT-AN-LEI'))).length).toBeGreaterThan(0);
    expect((await xsdErrors(xml.replace('<TradgCpcty>AOTC', '<TradgCpcty>AGNT'))).length).toBeGreaterThan(0);
  });

  it('has the auth.016 namespace and one New per record, in order', () => {
    expect(xml).toContain('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:auth.016.001.01">');
    const doc = parseXml(xml);
    expect(doc.Document.FinInstrmRptgTxRpt.Tx.map((t: any) => t.New.TxId)).toEqual(['TRNP1F1', 'TRNP1F2', 'TRNHOUSE1', 'TRNP1F3']);
  });

  it('reads back field by field for a client-decided buy', () => {
    const n = parseXml(xml).Document.FinInstrmRptgTxRpt.Tx[1].New;
    expect(n.ExctgPty).toBe(FIRM_LEI);
    expect(n.InvstmtPtyInd).toBe('true');
    expect(n.SubmitgPty).toBe(FIRM_LEI);
    expect(n.Buyr.AcctOwnr.Id.Prsn).toEqual({ FrstNm: 'John & "Jack"', Nm: "O'Brian <Sr>", BirthDt: '1980-02-14', Othr: { Id: 'FR19800214JOHN#OBRIA', SchmeNm: { Prtry: 'CONCAT' } } });
    expect(n.Buyr.AcctOwnr.CtryOfBrnch).toBe('DE');
    expect(n.Buyr.DcsnMakr).toBeUndefined();
    expect(n.Sellr.AcctOwnr.Id).toEqual({ MIC: 'XCBO' });
    expect(n.OrdrTrnsmssn).toEqual({ TrnsmssnInd: 'false' });
    expect(n.Tx).toEqual({
      TradDt: '2025-06-02T13:30:00.001000Z', TradgCpcty: 'AOTC', Qty: { Unit: '10' },
      Pric: { Pric: { MntryVal: { Amt: { '#text': '2.35', '@Ccy': 'USD' } } } }, TradVn: 'XCBO',
    });
    expect(n.FinInstrm.Othr.FinInstrmGnlAttrbts).toEqual({ FullNm: 'AAPL 2026-01-16 C 150', ClssfctnTp: 'OCASPS', NtnlCcy: 'USD' });
    expect(n.FinInstrm.Othr.DerivInstrmAttrbts).toEqual({
      XpryDt: '2026-01-16', PricMltplr: '100', UndrlygInstrm: { Othr: { Sngl: { ISIN: 'US0378331005' } } }, OptnTp: 'CALL',
      StrkPric: { Pric: { MntryVal: { Amt: { '#text': '150', '@Ccy': 'USD' } } } }, OptnExrcStyle: 'AMER', DlvryTp: 'PHYS',
    });
    expect(n.InvstmtDcsnPrsn).toBeUndefined();
    expect(n.ExctgPrsn).toEqual({ Clnt: 'NORE' });
    expect(n.AddtlAttrbts).toEqual({ SctiesFincgTxInd: 'false' });
  });

  it('reads back the firm as decision maker and the person within the firm', () => {
    const n = parseXml(xml).Document.FinInstrmRptgTxRpt.Tx[0].New;
    expect(n.Buyr.AcctOwnr.Id).toEqual({ MIC: 'XCBO' });
    expect(n.Sellr.DcsnMakr).toEqual({ LEI: FIRM_LEI });
    const prsn = { Prsn: { CtryOfBrnch: 'DE', Othr: { Id: 'DE19750101ANNA#MEIER', SchmeNm: { Prtry: 'CONCAT' } } } };
    expect(n.InvstmtDcsnPrsn).toEqual(prsn);
    expect(n.ExctgPrsn).toEqual(prsn);
    const house = parseXml(xml).Document.FinInstrmRptgTxRpt.Tx[2].New;
    expect(house.Sellr.AcctOwnr.Id).toEqual({ LEI: FIRM_LEI });
    expect(house.Tx.TradgCpcty).toBe('DEAL');
  });

  it('escapes markup in names', () => {
    expect(xml).toContain('<FrstNm>John &amp; &quot;Jack&quot;</FrstNm>');
    expect(xml).toContain('<Nm>O&apos;Brian &lt;Sr&gt;</Nm>');
  });

  it('gives the same bytes for the same input, whatever the order of executions', () => {
    expect(renderRts22Xml({ ...input, executions: [...input.executions].reverse() })).toBe(xml);
  });

  it('renders a period without executions as a report with no Tx', () => {
    expect(renderRts22Xml({ ...input, executions: [] })).toContain('<FinInstrmRptgTxRpt/>');
  });
});

describe('trading date time', () => {
  it('is UTC with six fractional digits', () => {
    expect(utcMicros(Date.UTC(2025, 0, 2, 3, 4, 5, 6) + 0.789)).toBe('2025-01-02T03:04:05.006789Z');
    expect(utcMicros(Date.UTC(2025, 0, 2))).toBe('2025-01-02T00:00:00.000000Z');
  });
});
