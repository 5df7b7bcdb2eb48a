/**
 * The retention policy as data: for each kind of stored data, how long it is kept, what happens
 * when that time is up (delete the rows, shred the personal fields, or keep), on what legal basis
 * and why. Pure: src/persistence/retention.ts runs it, docs/GDPR.md ("Retention") prints it.
 *
 * A rule the job enforces has a period in days (overridable by the setting it names); a `keep`
 * rule has none the job could act on, and says why (a law that requires the record, or a record
 * whose end date the schema does not hold).
 */
import { z } from 'zod';

export const RETENTION_KINDS = [
  'login_failures',
  'expired_sessions',
  'revoked_api_keys',
  'risk_snapshots',
  'market_snapshots',
  'report_runs',
  'rejected_kyc',
  'closed_accounts',
  'aml_records',
  'trading_records',
  'audit_log',
  'erased_data_keys',
] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** Kinds the scheduled job acts on (delete or shred after a period). */
export const ENFORCED_KINDS = ['login_failures', 'expired_sessions', 'revoked_api_keys', 'risk_snapshots', 'market_snapshots', 'report_runs', 'rejected_kyc'] as const;
export type EnforcedKind = (typeof ENFORCED_KINDS)[number];

interface RuleText {
  /** The table(s) the rule covers, and which of their rows. */
  readonly data: string;
  readonly legalBasis: string;
  readonly why: string;
}

/** Rows are deleted (or, for `shred`, their personal fields crypto-shredded) once older than periodDays. */
export interface EnforcedRule extends RuleText {
  readonly kind: EnforcedKind;
  readonly action: 'delete' | 'shred';
  readonly periodDays: number;
  /** The environment variable that overrides periodDays. */
  readonly setting: RetentionSetting;
}

/** Never deleted by the job. `minimumDays`: what the law requires at least (null: kept for good). */
export interface KeptRule extends RuleText {
  readonly kind: Exclude<RetentionKind, EnforcedKind>;
  readonly action: 'keep';
  readonly minimumDays: number | null;
}

export type RetentionRule = EnforcedRule | KeptRule;
export type RetentionPolicy = { readonly [K in EnforcedKind]: EnforcedRule & { readonly kind: K } } & { readonly [K in Exclude<RetentionKind, EnforcedKind>]: KeptRule & { readonly kind: K } };

/** Five years, counted generously (two leap days), as AMLD Art. 40 and MiFID II Art. 16(6) ask. */
export const FIVE_YEARS_DAYS = 1827;

export const RETENTION_SETTINGS = {
  login_failures: 'RETENTION_LOGIN_FAILURE_DAYS',
  expired_sessions: 'RETENTION_SESSION_DAYS',
  revoked_api_keys: 'RETENTION_API_KEY_DAYS',
  risk_snapshots: 'RETENTION_RISK_SNAPSHOT_DAYS',
  market_snapshots: 'RETENTION_MARKET_SNAPSHOT_DAYS',
  report_runs: 'RETENTION_REPORT_DAYS',
  rejected_kyc: 'RETENTION_REJECTED_KYC_DAYS',
} as const satisfies Record<EnforcedKind, string>;
export type RetentionSetting = (typeof RETENTION_SETTINGS)[EnforcedKind];

/** Periods of the enforced kinds, in days. */
export type RetentionPeriods = { readonly [K in EnforcedKind]: number };

export const RETENTION_DEFAULT_DAYS: RetentionPeriods = Object.freeze({
  login_failures: 90,
  expired_sessions: 30,
  revoked_api_keys: 365,
  risk_snapshots: 90,
  market_snapshots: 90,
  report_runs: FIVE_YEARS_DAYS,
  rejected_kyc: FIVE_YEARS_DAYS,
});

/** The floor below which a period is refused: a regulator's minimum, or a day for the rest. */
export const RETENTION_MIN_DAYS: RetentionPeriods = Object.freeze({
  login_failures: 1,
  expired_sessions: 1,
  revoked_api_keys: 1,
  risk_snapshots: 1,
  market_snapshots: 1,
  report_runs: FIVE_YEARS_DAYS,
  rejected_kyc: FIVE_YEARS_DAYS,
});

const days = (kind: EnforcedKind) =>
  z.coerce.number().int().min(RETENTION_MIN_DAYS[kind], `${RETENTION_SETTINGS[kind]} must be at least ${RETENTION_MIN_DAYS[kind]} days`).max(36_600).default(RETENTION_DEFAULT_DAYS[kind]);

/**
 * The settings, for config.ts to merge into its schema (`...RetentionEnv.shape`): each optional,
 * a whole number of days, at least the legal minimum where there is one.
 */
export const RetentionEnv = z.object({
  RETENTION_LOGIN_FAILURE_DAYS: days('login_failures'),
  RETENTION_SESSION_DAYS: days('expired_sessions'),
  RETENTION_API_KEY_DAYS: days('revoked_api_keys'),
  RETENTION_RISK_SNAPSHOT_DAYS: days('risk_snapshots'),
  RETENTION_MARKET_SNAPSHOT_DAYS: days('market_snapshots'),
  RETENTION_REPORT_DAYS: days('report_runs'),
  RETENTION_REJECTED_KYC_DAYS: days('rejected_kyc'),
});
export type RetentionEnv = z.output<typeof RetentionEnv>;

/** The periods from parsed settings (RetentionEnv's output). */
export function retentionPeriodsFromEnv(env: RetentionEnv): RetentionPeriods {
  const out = {} as Record<EnforcedKind, number>;
  for (const kind of ENFORCED_KINDS) out[kind] = env[RETENTION_SETTINGS[kind]];
  return Object.freeze(out);
}

/** The whole policy with the given periods (default: RETENTION_DEFAULT_DAYS). */
export function retentionPolicy(periods: RetentionPeriods = RETENTION_DEFAULT_DAYS): RetentionPolicy {
  const enforced = <K extends EnforcedKind>(kind: K, action: 'delete' | 'shred', text: RuleText): EnforcedRule & { kind: K } =>
    ({ kind, action, periodDays: periods[kind], setting: RETENTION_SETTINGS[kind], ...text });
  const kept = <K extends Exclude<RetentionKind, EnforcedKind>>(kind: K, minimumDays: number | null, text: RuleText): KeptRule & { kind: K } =>
    ({ kind, action: 'keep', minimumDays, ...text });
  return Object.freeze({
    login_failures: enforced('login_failures', 'delete', {
      data: 'login_failures: failed logins',
      legalBasis: 'GDPR Art. 6(1)(f) (security of the service), Art. 5(1)(e) storage limitation',
      why: 'the lockout needs minutes of them; a quarter is kept for investigating credential attacks, then nothing justifies them',
    }),
    expired_sessions: enforced('expired_sessions', 'delete', {
      data: 'user_sessions: sessions expired or revoked that long ago',
      legalBasis: 'GDPR Art. 5(1)(e) storage limitation',
      why: 'a dead session authenticates nothing; its refresh hashes only served reuse detection while it could be used. Logins and revocations stay in the audit log',
    }),
    revoked_api_keys: enforced('revoked_api_keys', 'delete', {
      data: 'api_keys: keys revoked or expired that long ago',
      legalBasis: 'GDPR Art. 5(1)(e) storage limitation; Art. 6(1)(f) (investigating misuse)',
      why: 'a year lets an investigation match a key id seen in old logs to its owner; creation and revocation stay in the audit log',
    }),
    risk_snapshots: enforced('risk_snapshots', 'delete', {
      data: 'risk_snapshots: write-behind samples of each portfolio\'s figures (each portfolio\'s newest is always kept)',
      legalBasis: 'none required (no personal data); operational',
      why: 'they grow by millions of rows a day; reports read the newest of each portfolio, and the daily reports keep what was reported',
    }),
    market_snapshots: enforced('market_snapshots', 'delete', {
      data: 'market_snapshots: sampled last prices (each symbol\'s newest is always kept)',
      legalBasis: 'none required (no personal data); operational',
      why: 'high-volume samples; market history for risk models comes from the price files, not from these',
    }),
    report_runs: enforced('report_runs', 'delete', {
      data: 'report_runs and the report files they name (inside the reports folder)',
      legalBasis: 'MiFIR Art. 25(1) and MiFID II Art. 16(6): records kept 5 years; GDPR Art. 5(1)(e) after that',
      why: 'transaction reports identify buyers and sellers; kept the 5 years regulators may ask for them, no longer',
    }),
    rejected_kyc: enforced('rejected_kyc', 'shred', {
      data: 'KYC of applicants rejected that long ago who never held a portfolio: documents deleted, data key shredded',
      legalBasis: 'AMLD (EU) 2015/849 Art. 40(1): CDD records 5 years; GDPR Art. 17(1)(a) after that',
      why: 'a refusal may have to be justified to a supervisor or support a suspicious-activity report for 5 years; then the identity data has no purpose. The case row and its transitions stay (no personal data in clear)',
    }),
    closed_accounts: kept('closed_accounts', FIVE_YEARS_DAYS, {
      data: 'users, kyc_submissions of customers whose account was disabled or closed',
      legalBasis: 'AMLD Art. 40(1): 5 years after the business relationship ends',
      why: 'the schema records no date at which a relationship ended (users.status has no timestamp), so the job cannot date the 5 years; erasure after them is by request (GDPR erasure), reviewed by an officer',
    }),
    aml_records: kept('aml_records', FIVE_YEARS_DAYS, {
      data: 'aml_alerts, aml_case_changes, aml_case_notes, aml_screened',
      legalBasis: 'AMLD Art. 40(1)(b): 5 years after the business relationship ends (extendable to 10 by national law)',
      why: 'the end of the relationship is not recorded per customer, and an alert may underpin a report to the FIU; removal is an officer\'s decision',
    }),
    trading_records: kept('trading_records', FIVE_YEARS_DAYS, {
      data: 'portfolios, orders, fills, positions, risk_limits, journal',
      legalBasis: 'MiFID II Art. 16(6), Delegated Regulation (EU) 2017/565 Art. 72-76: 5 years (up to 7 at the regulator\'s request)',
      why: 'the books must be reconstructible; positions are rebuilt from fills',
    }),
    audit_log: kept('audit_log', null, {
      data: 'audit_log: hash-chained trail of privileged changes',
      legalBasis: 'SOX s. 802 (7 years); MiFID II Art. 16(6); integrity of the chain',
      why: 'append-only by trigger: deleting any entry would break the hash chain that proves nothing was changed. It holds ids and codes, not personal data in clear',
    }),
    erased_data_keys: kept('erased_data_keys', 0, {
      data: 'data_keys of users whose data was erased',
      legalBasis: 'GDPR Art. 17',
      why: 'already gone: erasure deletes the key (crypto-shredding) at once, so there is nothing left to expire',
    }),
  });
}

/** A day's cutoff: `asOf` (YYYY-MM-DD, UTC midnight) minus periodDays, in epoch ms. */
export function cutoffMs(asOf: string, periodDays: number): number {
  const day = Date.parse(`${asOf}T00:00:00Z`);
  if (!Number.isFinite(day)) throw new RangeError(`cutoffMs: asOf must be YYYY-MM-DD, got ${asOf}`);
  return day - periodDays * 86_400_000;
}

/** A rule's rows as a list, in RETENTION_KINDS order (the docs' table). */
export const policyRules = (p: RetentionPolicy): readonly RetentionRule[] => RETENTION_KINDS.map((k) => p[k]);
