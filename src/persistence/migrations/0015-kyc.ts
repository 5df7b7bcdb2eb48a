/**
 * KYC cases, their audited transitions and their identity documents (src/persistence/kyc-store.ts).
 *
 * - Every personal field is a field-crypto envelope under the customer's data key, with table,
 *   column and user id (document id for documents) as AAD: legal name, birth date, nationality,
 *   residence, address, document number, the free text of the source of funds, the trading
 *   profile, the risk factors' explanation (it names the countries), a document's bytes and its
 *   parsed machine-readable zone. Shredding the data key makes all of them unreadable at once.
 * - In clear: what officers query and count without opening anything — state, the officers of
 *   maker-checker, document type, the category of the source of funds, risk score and level, EDD,
 *   the re-screening date, a document's content type, size and review flags (codes only).
 * - `version` is bumped by every transition; a transition updates `WHERE version = <read>`, so two
 *   officers deciding the same case at once cannot both win.
 * - `kyc_transitions` keeps every transition with its actor and reason; the reason is an officer's
 *   note for the audit and is kept in clear (docs/KYC.md asks officers to keep personal data out
 *   of it), so the trail survives an erasure.
 */
export const sql = `
CREATE TABLE kyc_submissions (
  user_id                text PRIMARY KEY,
  state                  text NOT NULL CHECK (state IN ('submitted', 'in_review', 'approved', 'rejected', 'needs_info')),
  legal_name             text NOT NULL,
  date_of_birth          text NOT NULL,
  nationality            text NOT NULL,
  country_of_residence   text NOT NULL,
  address                text NOT NULL,
  document_type          text NOT NULL CHECK (document_type IN ('passport', 'id_card', 'driving_licence')),
  document_number        text NOT NULL,
  source_of_funds        text NOT NULL CHECK (source_of_funds IN ('salary', 'savings', 'business', 'investments', 'inheritance', 'other')),
  source_of_funds_detail text,
  trading_profile        text,
  reviewer_id            text,
  decided_by             text,
  risk_score             integer CHECK (risk_score BETWEEN 0 AND 100),
  risk_level             text CHECK (risk_level IN ('low', 'medium', 'high')),
  edd_required           boolean,
  sanctions_decision     text CHECK (sanctions_decision IN ('clear', 'review', 'block', 'not_screened')),
  pep                    boolean,
  risk_factors           text,
  next_rescreen_ms       bigint,
  version                integer NOT NULL,
  submitted_ms           bigint NOT NULL,
  updated_ms             bigint NOT NULL
);
CREATE INDEX kyc_submissions_by_state ON kyc_submissions (state, user_id);
CREATE INDEX kyc_submissions_rescreen ON kyc_submissions (next_rescreen_ms) WHERE next_rescreen_ms IS NOT NULL;

CREATE TABLE kyc_transitions (
  seq        bigserial PRIMARY KEY,
  user_id    text NOT NULL REFERENCES kyc_submissions (user_id) ON DELETE CASCADE,
  from_state text,
  to_state   text NOT NULL,
  action     text NOT NULL,
  actor      text NOT NULL,
  reason     text NOT NULL,
  at_ms      bigint NOT NULL
);
CREATE INDEX kyc_transitions_by_user ON kyc_transitions (user_id, seq);

CREATE TABLE kyc_documents (
  id            text PRIMARY KEY,
  user_id       text NOT NULL REFERENCES kyc_submissions (user_id) ON DELETE CASCADE,
  document_type text NOT NULL CHECK (document_type IN ('passport', 'id_card', 'driving_licence')),
  content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  size_bytes    integer NOT NULL CHECK (size_bytes > 0),
  content       text NOT NULL,
  mrz           text,
  flags         jsonb NOT NULL DEFAULT '[]',
  uploaded_ms   bigint NOT NULL
);
CREATE INDEX kyc_documents_by_user ON kyc_documents (user_id, uploaded_ms);
`;
