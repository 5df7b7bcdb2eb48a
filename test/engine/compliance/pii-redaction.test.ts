import { describe, expect, it } from 'vitest';
import { redactText, redactValue } from '../../../src/engine/compliance/pii-redaction.js';

describe('PII redaction of text', () => {
  it.each([
    ['an email', 'contact jane.doe+kyc@example.co.uk now', 'contact [email] now'],
    ['an E.164 phone', 'call +44 20 7946 0958 today', 'call [phone] today'],
    ['a compact E.164 phone', 'sms +14155552671', 'sms [phone]'],
    ['a UK national phone', 'tel 020 7946 0958', 'tel [phone]'],
    ['a French national phone', 'tel 06 12 34 56 78', 'tel [phone]'],
    ['a US phone', 'tel (415) 555-2671 or 415-555-2671', 'tel [phone] or [phone]'],
    ['a valid IBAN, grouped', 'pay to GB82 WEST 1234 5698 7654 32 USD', 'pay to [iban] USD'],
    ['a valid IBAN, compact', 'iban=DE89370400440532013000', 'iban=[iban]'],
    ['a Luhn-valid card', 'card 4111 1111 1111 1111 declined', 'card [card] declined'],
    ['a Luhn-valid card, compact', 'pan=5500005555555559', 'pan=[card]'],
    ['a US SSN', 'ssn 123-45-6789', 'ssn [national-id]'],
    ['a UK NINO', 'nino JG103759A / AB 12 34 56 C', 'nino [national-id] / [national-id]'],
    ['a Spanish DNI', 'dni 12345678Z', 'dni [national-id]'],
    ['a French NIR', 'nir 1 85 05 78 006 084 91', 'nir [national-id]'],
    ['an Italian codice fiscale', 'cf RSSMRA85T10A562S', 'cf [national-id]'],
  ])('masks %s', (_what, input, out) => {
    expect(redactText(input)).toBe(out);
  });

  it.each([
    ['an ISO timestamp', '2024-01-19T14:30:00.123Z'],
    ['a date and a time', 'as of 2024-01-19 09:30:00 +01:00'],
    ['epoch ms', 'at 1705674600123'],
    ['a UUID', 'id 0a1b2c3d-1234-4567-89ab-0123456789ab and 12345678-1234-1234-1234-123456789012'],
    ['an option symbol', 'SPY240119C00450000 filled'],
    ['order and fill ids', 'order o-17-000042 fill f-17-000042-1 client c-2024-0001'],
    ['prices and P&L', 'price 450.25 qty 100 pnl +12345.67 notional 1234567890.12'],
    ['an invalid IBAN', 'GB82 WEST 1234 5698 7654 33'],
    ['HMRC\'s specimen NINO (QQ is never issued)', 'QQ123456C'],
    ['a non-Luhn 16 digit run', 'ref 4111111111111112'],
    ['an SSN of area 000', '000-12-3456'],
    ['a bare number', 'seq 4155552671 count 12'],
    ['an IPv4 and a port', 'listening on 127.0.0.1:8080'],
  ])('leaves %s alone', (_what, input) => {
    expect(redactText(input)).toBe(input);
  });
});

describe('PII redaction of values', () => {
  it('replaces personal fields by key at any depth, masks strings, keeps numbers and shape', () => {
    const input = {
      orderId: 'o-1', price: 450.25, at: '2024-01-19T14:30:00Z',
      kyc: { legalName: 'Jane Doe', date_of_birth: '1985-05-01', address: { line1: '1 High St' }, documentNumber: 'X1234567', nationality: 'GB' },
      users: [{ displayName: 'Jane', note: 'mail jane@example.com' }],
      empty: { email: null },
    };
    expect(redactValue(input)).toEqual({
      orderId: 'o-1', price: 450.25, at: '2024-01-19T14:30:00Z',
      kyc: { legalName: '[pii]', date_of_birth: '[pii]', address: '[pii]', documentNumber: '[pii]', nationality: 'GB' },
      users: [{ displayName: '[pii]', note: 'mail [email]' }],
      empty: { email: null },
    });
  });

  it('survives cycles and depth, and masks an error\'s message and stack', () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    expect(redactValue(a)).toEqual({ n: 1, self: '[circular]' });
    const e = Object.assign(new Error('duplicate key (email)=(jane@example.com)'), { code: '23505' });
    const r = redactValue({ err: e }) as { err: Error & { code: string } };
    expect(r.err).toBeInstanceOf(Error);
    expect(r.err.message).toBe('duplicate key (email)=([email])');
    expect(r.err.stack).not.toContain('jane@example.com');
    expect(r.err.code).toBe('23505');
  });
});
