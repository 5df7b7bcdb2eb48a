/**
 * The aml queue's large-notional threshold for a customer rated low risk or not rated: the rule
 * itself is LARGE_NOTIONAL in src/engine/compliance/aml/large-notional.ts, beside the others.
 */
import { AML_RULE_DEFAULTS } from '../../engine/compliance/aml/rule-defaults.js';

/** src/config.ts maps AML_LARGE_NOTIONAL onto `largeNotional` (AML_RULE_DEFAULTS.largeNotional.low). */
export const AML_DEFAULTS = Object.freeze({ largeNotional: AML_RULE_DEFAULTS.largeNotional.low });
