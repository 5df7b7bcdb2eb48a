import { bsmGreeks, bsmPrice } from './bsm.js';
import { americanGreeks, americanPrice } from './american-bs2002.js';
import type { ExerciseStyle, Greeks, OptionInputs } from './types.js';

/** Price of a European or American option under the engine's models. */
export function optionPrice(o: OptionInputs, style: ExerciseStyle): number {
  return style === 'american' ? americanPrice(o) : bsmPrice(o);
}

/** Price and Greeks of a European or American option under the engine's models. */
export function optionGreeks(o: OptionInputs, style: ExerciseStyle): Greeks {
  return style === 'american' ? americanGreeks(o) : bsmGreeks(o);
}
