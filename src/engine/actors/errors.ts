/** Programmer errors of the actor layer: malformed input that the edge or the runtime should have stopped. */

export const malformedTick = (symbol: string, price: number): RangeError =>
  new RangeError(`MarketTick ${symbol}: expected a finite price > 0, got ${price}`);

export const invalidPortfolioInit = (problem: string): Error => new Error(`createPortfolioState: ${problem}`);

export const unknownMessage = (kind: unknown): Error => new Error(`portfolio actor: unknown message kind ${JSON.stringify(kind)}`);
