/**
 * What a screening hit does, whatever found it (a KYC submission, the re-screening schedule, an
 * order naming a counterparty): it raises its alerts (engine/compliance/screening-alert.ts) for the
 * compliance officers, and a sanctions `block` halts the customer's trading at once (every portfolio
 * they own, trading state halted with reason SANCTIONS; a portfolio without an owner is halted
 * itself), and the customer is remembered as blocked so that a portfolio opened for them later
 * starts halted too (engine.ts, blockedOwners). Composition: the alerts' store and the engine are given.
 *
 * The halt comes first and does not wait for the alert's store: a database that is slow or away
 * must not leave a sanctioned customer trading. A failure of either is logged with the customer and
 * the hit; the alert is raised again by the next screening under the same list (its key makes the
 * second one the same alert).
 */
import type { EngineApi } from './engine/runtime/engine-api.js';
import { SANCTIONS_BLOCK_ACTOR } from './engine/runtime/engine.js';
import { screeningAlerts, type ScreeningHitInput } from './engine/compliance/screening-alert.js';
import type { PepScreeningResult } from './engine/compliance/pep/index.js';
import type { ScreeningResult } from './engine/compliance/sanctions/index.js';
import type { LogFn } from './logger.js';
import type { ScreeningAlertSink } from './persistence/screening-alerts.js';
import type { KycScreeningResult } from './persistence/kyc-service.js';
import type { CounterpartyHit } from './gateway/counterparty-screening.js';

/** Who halts: recorded in the journal and the audit trail (the same actor halts a blocked customer's new portfolio). */
export const SCREENING_ACTOR = SANCTIONS_BLOCK_ACTOR;

export interface ScreeningHits {
  /** KycService's onScreeningHit (submission and re-screening). */
  onKycHit(userId: string, result: KycScreeningResult, trigger?: 'kyc' | 'rescreen'): Promise<void>;
  /** CounterpartyScreening's onHit. */
  onCounterpartyHit(hit: CounterpartyHit): void;
}

/** The details the KYC adapter (persistence/kyc-screening.ts) puts beside the port's summary. */
interface DetailedKycResult extends KycScreeningResult {
  readonly sanctions?: ScreeningResult;
  readonly pepScreening?: PepScreeningResult | null;
}

export function screeningHits(o: {
  readonly engine: Pick<EngineApi, 'haltOwner' | 'setTradingState' | 'getPortfolio'>;
  readonly alerts: ScreeningAlertSink;
  readonly log: LogFn;
  /** Where a blocked customer is remembered, so that a portfolio opened for them later starts halted. */
  readonly blocks?: { add(customerId: string): void };
}): ScreeningHits {
  const { engine, alerts, log } = o;

  const raise = async (hit: ScreeningHitInput): Promise<void> => {
    const list = screeningAlerts(hit);
    try {
      const added = await alerts.raise(list);
      log('warn', 'screening hit', { trigger: hit.trigger, customerId: hit.customerId, portfolioId: hit.portfolioId, rules: list.map((a) => a.rule), newAlerts: added });
    } catch (e) {
      log('error', 'screening hit: the alert could not be stored; the next screening raises it again', {
        trigger: hit.trigger, customerId: hit.customerId, rules: list.map((a) => a.rule), error: e instanceof Error ? e.message : String(e),
      });
    }
  };

  const haltCustomer = async (customerId: string): Promise<void> => {
    o.blocks?.add(customerId);
    const r = await engine.haltOwner(customerId, 'SANCTIONS', SCREENING_ACTOR);
    if (!r.ok) log('error', 'sanctions block: not every portfolio of the customer could be halted', { customerId, code: r.code, message: r.message });
  };

  return {
    async onKycHit(userId, result, trigger = 'kyc') {
      const r = result as DetailedKycResult;
      const blocked = result.decision === 'block';
      const halting = blocked ? haltCustomer(userId) : Promise.resolve();
      // A port that gives only the summary (no matches): the alert still says the decision and list.
      const sanctions: ScreeningResult | null = r.sanctions ?? (result.decision !== 'clear' ? { listVersion: result.listVersion ?? 'unknown', decision: result.decision, matches: [] } : null);
      await Promise.all([halting, raise({ trigger, customerId: userId, sanctions, pep: r.pepScreening ?? null })]);
    },

    onCounterpartyHit(hit) {
      // The customer is the portfolio's owner; a portfolio without one (house, demo) stands for itself.
      const ownerId = engine.getPortfolio(hit.portfolioId)?.ownerId;
      const customerId = ownerId ?? `portfolio:${hit.portfolioId}`;
      const halting = hit.result.decision !== 'block'
        ? Promise.resolve()
        : ownerId !== undefined
          ? haltCustomer(ownerId)
          : engine.setTradingState(hit.portfolioId, 'halted', SCREENING_ACTOR, 'SANCTIONS').then((s) => {
            if (!s.ok) log('error', 'sanctions block: the portfolio could not be halted', { portfolioId: hit.portfolioId, code: s.code, message: s.message });
          });
      void Promise.all([
        halting,
        raise({ trigger: 'counterparty', customerId, portfolioId: hit.portfolioId, counterparty: { name: hit.name }, sanctions: hit.result, pep: null }),
      ]).catch((e: unknown) => log('error', 'counterparty screening hit failed', { portfolioId: hit.portfolioId, error: e instanceof Error ? e.message : String(e) }));
    },
  };
}
