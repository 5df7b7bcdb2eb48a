/** Every error the risk pool raises, as named factories with a plain message. */
export const riskPoolErrors = {
  taskFailed: (portfolioIds: readonly string[], cause: unknown) => {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const index = (cause as { cause?: { portfolioIndex?: unknown } } | undefined)?.cause?.portfolioIndex;
    const culprit = typeof index === 'number' && portfolioIds[index] !== undefined ? ` (portfolio ${portfolioIds[index]})` : '';
    return new Error(`risk task for ${portfolioIds.length} portfolios failed${culprit}: ${detail}`, { cause });
  },
  closed: () => new Error('risk pool is closed; create a new one'),
  badOption: (name: string, value: unknown, expected: string) =>
    new RangeError(`createRiskPool: ${name} = ${String(value)}, expected ${expected}`),
  workerNotBuilt: (path: string) =>
    new Error(`risk worker ${path} not found; the pool runs the compiled worker, run \`npm run build\` first`),
} as const;
