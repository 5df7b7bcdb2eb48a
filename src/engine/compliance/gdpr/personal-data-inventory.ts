/**
 * The register of personal data the engine holds (GDPR art. 30), one entry per category: what it
 * is used for, on which legal basis (art. 6), how long it is kept, and what an erasure does to it.
 * The export labels every section with its entry; docs/GDPR.md prints the same table. One place,
 * so that the answer to a person and the documentation cannot disagree.
 */

export type Category =
  | 'account' | 'authentication' | 'api_keys' | 'sessions' | 'kyc' | 'kyc_documents' | 'kyc_risk'
  | 'consents' | 'trading' | 'aml' | 'audit' | 'product_analytics';

/** What an erasure does to a category. */
export type OnErasure =
  /** Destroyed: deleted, or unreadable because the data key is shredded. */
  | 'erased'
  /** Kept by law, linked to the pseudonym (no longer to a person who can be identified). */
  | 'kept';

export interface InventoryEntry {
  readonly category: Category;
  readonly what: string;
  readonly purpose: string;
  /** GDPR art. 6(1) basis, with the law that imposes the obligation where there is one. */
  readonly legalBasis: string;
  /** Until when it is kept ("retention"). */
  readonly retention: string;
  readonly onErasure: OnErasure;
  /** Why it is kept (onErasure `kept`), or how it is destroyed (`erased`). */
  readonly why: string;
}

const FIVE_YEARS_MIFID = 'five years after the order or transaction (MiFID II art. 16(6) and art. 25 of Regulation 600/2014)';
const FIVE_YEARS_AML = 'five years after the business relationship ends (AML Directive (EU) 2015/849 art. 40)';

export const INVENTORY: Readonly<Record<Category, InventoryEntry>> = {
  account: {
    category: 'account', what: 'email (login name), display name (encrypted), status, roles and portfolios granted, creation time',
    purpose: 'to give the person an account and sign them in', legalBasis: 'contract (art. 6(1)(b))',
    retention: 'while the account exists; erased on request or by the retention job', onErasure: 'erased',
    why: 'display name unreadable (data key shredded); email replaced by erased+<pseudonym>@invalid; roles removed; account disabled',
  },
  authentication: {
    category: 'authentication', what: 'password hash, TOTP secret (encrypted), backup code hashes, recent failed logins',
    purpose: 'to sign the person in securely (MFA, lockout)', legalBasis: 'contract (art. 6(1)(b)) and security of processing (art. 32)',
    retention: 'while the account exists', onErasure: 'erased', why: 'deleted; the TOTP secret was also sealed with the shredded data key',
  },
  api_keys: {
    category: 'api_keys', what: 'API key names, rights, creation, expiry and last use (the secret only as a hash)',
    purpose: 'to let the person\'s programs call the engine', legalBasis: 'contract (art. 6(1)(b))',
    retention: 'while the account exists', onErasure: 'erased', why: 'revoked (open connections closed) and deleted',
  },
  sessions: {
    category: 'sessions', what: 'login sessions: when, how (password, TOTP), until when',
    purpose: 'to keep the person signed in and detect stolen refresh tokens', legalBasis: 'contract (art. 6(1)(b))',
    retention: 'until the session expires (REFRESH_TOKEN_EXPIRE_DAYS)', onErasure: 'erased', why: 'revoked (open connections closed) and deleted',
  },
  kyc: {
    category: 'kyc', what: 'legal name, birth date, nationality, residence, address, document number, source of funds, trading profile (all encrypted)',
    purpose: 'customer due diligence before trading', legalBasis: 'legal obligation (art. 6(1)(c)): AML Directive (EU) 2015/849 art. 13',
    retention: FIVE_YEARS_AML, onErasure: 'erased',
    why: 'unreadable (data key shredded) once an officer releases the AML hold (releaseKycHold): the case record itself (state, officers, dates, risk level) is kept',
  },
  kyc_documents: {
    category: 'kyc_documents', what: 'identity documents (bytes and machine-readable zone, encrypted), their type, size and review flags',
    purpose: 'customer due diligence: verifying the identity', legalBasis: 'legal obligation (art. 6(1)(c)): AML Directive (EU) 2015/849 art. 13',
    retention: FIVE_YEARS_AML, onErasure: 'erased', why: 'unreadable (data key shredded); type, size and flags kept with the case',
  },
  kyc_risk: {
    category: 'kyc_risk', what: 'the risk score, its factors (encrypted), the sanctions and PEP screening decisions',
    purpose: 'risk-based due diligence and sanctions screening', legalBasis: 'legal obligation (art. 6(1)(c)): AML Directive (EU) 2015/849 arts. 8, 18-24',
    retention: FIVE_YEARS_AML, onErasure: 'kept',
    why: 'score, level and screening decisions are kept with the case (AML record of the diligence done); the factors\' text is unreadable (data key shredded)',
  },
  consents: {
    category: 'consents', what: 'each consent given or withdrawn: purpose, version of the text, time',
    purpose: 'to know whether consent-based processing may run, and to prove it', legalBasis: 'legal obligation to demonstrate consent (art. 7(1))',
    retention: 'as long as the processing it allowed could be questioned; kept after erasure under the pseudonym', onErasure: 'kept',
    why: 'proof that consent-based processing was lawful (art. 7(1)); linked to the pseudonym',
  },
  trading: {
    category: 'trading', what: 'portfolios owned, orders and fills',
    purpose: 'to execute and record the person\'s trades', legalBasis: 'contract (art. 6(1)(b)) and legal obligation (art. 6(1)(c)): MiFID II record keeping',
    retention: FIVE_YEARS_MIFID, onErasure: 'kept', why: 'MiFID II record keeping: the portfolios now name the pseudonym as owner',
  },
  aml: {
    category: 'aml', what: 'transaction-monitoring alerts and their cases',
    purpose: 'detecting and reporting money laundering', legalBasis: 'legal obligation (art. 6(1)(c)): AML Directive (EU) 2015/849 arts. 33, 40',
    retention: FIVE_YEARS_AML, onErasure: 'kept',
    why: 'AML law keeps them five years; never disclosed to the person (tipping-off, AML Directive art. 39)',
  },
  audit: {
    category: 'audit', what: 'the hash-chained audit trail: what was done by or to the person, when, and from which IP address',
    purpose: 'security and SOX-style accountability of every privileged change', legalBasis: 'legitimate interest (art. 6(1)(f)) and legal obligation (art. 6(1)(c))',
    retention: 'seven years (SOX-style audit retention); append-only and hash-chained, so never rewritten', onErasure: 'kept',
    why: 'the chain cannot be rewritten without breaking it; entries hold the user id and addresses only, no name or email',
  },
  product_analytics: {
    category: 'product_analytics', what: 'how many times the person called each API route',
    purpose: 'improving the product', legalBasis: 'consent (art. 6(1)(a)), purpose product_analytics',
    retention: 'until consent is withdrawn (then deleted) or the engine restarts (kept in memory only)', onErasure: 'erased', why: 'deleted',
  },
};
