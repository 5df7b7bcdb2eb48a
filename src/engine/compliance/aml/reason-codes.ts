/** The transaction-monitoring rules' reason codes: stable, stored with every alert, shown to officers (docs/AML-RULES.md). */
export const AML_RULES = [
  'LARGE_NOTIONAL',
  'VELOCITY',
  'STRUCTURING',
  'WASH_TRADE',
  'LAYERING',
  'MARKING_THE_CLOSE',
  'UNUSUAL_SIZE',
  'HIGH_RISK_COUNTRY',
] as const;

export type AmlRuleCode = (typeof AML_RULES)[number];
