/**
 * Order ids: `${portfolioId}-o${n}`, n the portfolio's order sequence. The portfolio is part of the
 * id, so whoever holds only an order id (GET or DELETE /trades/:id) knows the portfolio, and with it
 * the partition and the engine that owns the order (docs/SCALE-OUT.md), without asking anyone.
 */

export function orderIdOf(portfolioId: string, seq: number): string {
  return `${portfolioId}-o${seq}`;
}

/**
 * The portfolio an order id names, or undefined when it is not an order id of this form. The
 * sequence is the digits after the last `-o`, so a portfolio id that itself contains `-o` is
 * kept whole ("a-o1-o5" is order 5 of portfolio "a-o1").
 */
export function portfolioOfOrderId(orderId: string): string | undefined {
  const m = /^(.+)-o[0-9]+$/s.exec(orderId);
  return m?.[1];
}
