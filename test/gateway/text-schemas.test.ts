/**
 * Strings PostgreSQL cannot store or convert are refused at the edge, with the field named, not
 * dead-lettered downstream (an instrument with a lone surrogate once failed every AML job that held it).
 */
import { describe, expect, it } from 'vitest';
import { freeText, identifier } from '../../src/gateway/text-schemas.js';
import { ClientMsg } from '../../src/gateway/protocol.js';

describe('text from outside', () => {
  it('takes identifiers of any script, emoji (a surrogate pair) included', () => {
    for (const s of ['AAPL', 'P-1_x.y', 'Müller', 'Иванов', '株式', 'desk🚀']) expect(identifier(64).safeParse(s).success, s).toBe(true);
  });

  it('refuses identifiers with an unpaired surrogate, NUL, another control character or DEL', () => {
    for (const s of ['A\ud800', '\udc00B', 'A\udc00\ud800B', 'a\u0000b', 'a\nb', 'a\u001bb', 'a\u007fb', 'a\u0085b']) {
      expect(identifier(64).safeParse(s).success, JSON.stringify(s)).toBe(false);
    }
  });

  it('takes free text with line breaks and tabs, and refuses NUL and unpaired surrogates', () => {
    expect(freeText(100).safeParse('line one\nline two\tend').success).toBe(true);
    expect(freeText(100).safeParse('a\u0000b').success).toBe(false);
    expect(freeText(100).safeParse('a\ud83d').success).toBe(false);
  });

  it('refuses an order whose instrument, portfolio or client order id is not printable text, naming the field', () => {
    const order = { type: 'order', portfolioId: 'P1', clientOrderId: 'c1', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' };
    expect(ClientMsg.safeParse(order).success).toBe(true);
    for (const field of ['instrument', 'portfolioId', 'clientOrderId'] as const) {
      const r = ClientMsg.safeParse({ ...order, [field]: 'AA\ud800' });
      expect(r.success).toBe(false);
      expect(JSON.stringify(r.error?.issues)).toContain(field);
    }
  });
});
