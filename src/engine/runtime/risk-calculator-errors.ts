/** Errors every RiskCalculator raises alike (risk-calculator.ts), as named factories with a plain message. */
export const riskCalculatorErrors = {
  /** A batch was rejected: names the portfolio when the kernel's error says which (cause.portfolioIndex). */
  taskFailed: (portfolioIds: readonly string[], cause: unknown) => {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const index = (cause as { cause?: { portfolioIndex?: unknown } } | undefined)?.cause?.portfolioIndex;
    const culprit = typeof index === 'number' && portfolioIds[index] !== undefined ? ` (portfolio ${portfolioIds[index]})` : '';
    return new Error(`risk task for ${portfolioIds.length} portfolios failed${culprit}: ${detail}`, { cause });
  },
  badConfidence: (name: 'varConfidence' | 'esConfidence', value: number) =>
    new RangeError(`risk calculator: ${name} = ${value}, expected a probability strictly between 0 and 1`),
  closed: () => new Error('risk calculator is closed; create a new one'),
} as const;
