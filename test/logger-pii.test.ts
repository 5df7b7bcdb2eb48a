/**
 * Known PII fed through every logger path must not come out, while the ordinary fields of a log
 * line survive: createLogger's log, the raw pino logger (merge object, message, format arguments,
 * errors), child loggers and their bindings, a worker thread's logger (fd 2, as the queue worker
 * thread's), the memory-mode audit sink, and the CLI's stderr.
 */
import { execFile } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { logAuditSink } from '../src/gateway/identity/log-audit-sink.js';
import { main } from '../src/cli/main.js';

const PII = {
  email: 'jane.doe@example.com',
  phone: '+44 20 7946 0958',
  iban: 'GB82WEST12345698765432',
  card: '4111111111111111',
  ssn: '123-45-6789',
  nino: 'JG103759A',
  name: 'Jane Margaret Doe',
} as const;
const ORDINARY = {
  orderId: 'o-17-000042', price: '450.25', at: '2024-01-19T14:30:00.123Z', uuid: '0a1b2c3d-1234-4567-89ab-0123456789ab', symbol: 'SPY240119C00450000',
} as const;
const sentence = `email ${PII.email} phone ${PII.phone} iban ${PII.iban} card ${PII.card} ssn ${PII.ssn} nino ${PII.nino}`;
const ordinary = `order ${ORDINARY.orderId} at ${ORDINARY.price} on ${ORDINARY.at} id ${ORDINARY.uuid} ${ORDINARY.symbol}`;
const fields = { ...ORDINARY, note: sentence, kyc: { legalName: PII.name, dateOfBirth: '1985-05-01', documentNumber: 'P1234567' }, displayName: PII.name, nested: [{ deeper: { text: sentence } }] };

function expectClean(out: string): void {
  for (const [what, v] of Object.entries(PII)) expect(out, `${what} leaked`).not.toContain(v);
  expect(out).not.toContain('1985-05-01');
  expect(out).not.toContain('P1234567');
}
function expectOrdinary(out: string): void {
  for (const v of Object.values(ORDINARY)) expect(out).toContain(v);
}

function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

describe('PII in logs', () => {
  it('is masked on every path of createLogger: log, the raw logger, format arguments, errors, children and their bindings', async () => {
    const c = capture();
    const { log, logger } = createLogger('debug', c.out);
    log('info', `${sentence} ${ordinary}`, fields);
    logger.info(fields, `${sentence} ${ordinary}`);
    logger.warn(`${sentence} ${ordinary}`);
    logger.info('fmt %s %j %o', sentence, fields, { email: PII.email });
    logger.error(Object.assign(new Error(`duplicate key (email)=(${PII.email}) for ${ordinary}`), { code: '23505' }));
    logger.error({ err: new Error(sentence) }, 'failed');
    const child = logger.child({ customer: { email: PII.email, legalName: PII.name }, orderId: ORDINARY.orderId });
    child.info({ phone: PII.phone }, sentence);
    child.child({ iban: PII.iban, note: sentence }).warn(ordinary);
    await new Promise((r) => setImmediate(r));
    const out = c.text();
    expect(out.trim().split('\n')).toHaveLength(8);
    expectClean(out);
    expectOrdinary(out);
    expect(out).toContain('[email]');
    expect(out).toContain('"legalName":"[pii]"');
  });

  it('keeps redacting secrets by path', async () => {
    const c = capture();
    createLogger('info', c.out).log('info', 'auth', { token: 'abc', headers: { authorization: 'Bearer x' } });
    await new Promise((r) => setImmediate(r));
    expect(c.text()).toContain('"token":"[redacted]"');
    expect(c.text()).not.toContain('Bearer x');
  });

  it('is masked in the security events of the memory-mode audit sink', async () => {
    const c = capture();
    await logAuditSink(createLogger('info', c.out).log)({ actor: PII.email, action: 'user.registered', entityType: 'user', entityId: ORDINARY.uuid, before: null, after: { email: PII.email, displayName: PII.name, note: sentence } });
    await new Promise((r) => setImmediate(r));
    expectClean(c.text());
    expect(c.text()).toContain(ORDINARY.uuid);
  });

  it('is masked in a worker thread\'s logger writing to stderr, as the queue worker thread\'s', async () => {
    const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/fixtures/log-in-thread.ts', JSON.stringify({ msg: `${sentence} ${ordinary}`, fields })], { timeout: 30_000 });
    expect(stderr.trim().split('\n').length).toBeGreaterThanOrEqual(2);
    expectClean(stderr);
    expectOrdinary(stderr);
  }, 40_000);

  it('is masked in the CLI\'s messages on stderr', async () => {
    let err = '';
    const stderr = new Writable({ write(c, _e, cb) { err += String(c); cb(); } });
    const code = await main([`x ${PII.email} ${PII.card}`], { stdin: new PassThrough(), stdout: new PassThrough(), stderr });
    expect(code).not.toBe(0);
    expect(err).toContain('unknown command');
    expectClean(err);
  });
});
