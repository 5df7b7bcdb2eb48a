/**
 * Consent records (GDPR art. 7): what a person agreed to, which version of the text they were
 * shown, when, and each withdrawal. The purposes are the processing that needs consent; nothing
 * the engine must do by contract or by law (trading, KYC, AML, audit) is among them.
 */
import { z } from 'zod';

export const CONSENT_PURPOSES = ['marketing_email', 'product_analytics'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** What each purpose does, as the export and the docs say it. */
export const CONSENT_PURPOSE_TEXT: Readonly<Record<ConsentPurpose, string>> = {
  marketing_email: 'news of products and features by email',
  product_analytics: 'counting which API routes the person uses, to improve the product (usage-analytics.ts)',
};

/** POST /gdpr/consents: one grant or withdrawal. */
export const ConsentChange = z.strictObject({
  purpose: z.enum(CONSENT_PURPOSES),
  textVersion: z.string().trim().min(1).max(64).describe('The version of the consent text the person was shown, e.g. "2024-05"'),
  granted: z.boolean().describe('true: consent given; false: withdrawn'),
});
export type ConsentChange = z.infer<typeof ConsentChange>;

/** One row of the history (append-only). */
export interface ConsentRecord {
  readonly purpose: ConsentPurpose;
  readonly textVersion: string;
  readonly granted: boolean;
  readonly atMs: number;
}

/** The state of each purpose: its newest record, or none (never asked: no consent). */
export function currentConsents(history: readonly ConsentRecord[]): Record<ConsentPurpose, ConsentRecord | null> {
  const out = Object.fromEntries(CONSENT_PURPOSES.map((p) => [p, null])) as Record<ConsentPurpose, ConsentRecord | null>;
  for (const r of history) {
    const had = out[r.purpose];
    if (had === null || r.atMs >= had.atMs) out[r.purpose] = r;
  }
  return out;
}
