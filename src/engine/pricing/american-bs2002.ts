// PLACEHOLDER until the Bjerksund–Stensland 2002 implementation lands (same session).
import { bsmGreeks, bsmPrice } from './bsm.js';
import type { Greeks, OptionInputs } from './types.js';
export function americanPrice(o: OptionInputs): number { return bsmPrice(o); }
export function americanGreeks(o: OptionInputs): Greeks { return bsmGreeks(o); }
