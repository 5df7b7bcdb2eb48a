/**
 * The websocket frames the page reads (docs/PROTOCOL.md "Server → client"), checked as they arrive:
 * a frame that does not have the fields the page draws is dropped, never half-drawn.
 */

export interface Greeks {
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
  readonly theta: number;
  readonly rho: number;
}

export interface UnderlyingRisk extends Greeks {
  readonly spot: number;
  readonly dollarDelta: number;
  readonly dollarGamma: number;
}

export interface RiskFrame {
  readonly type: 'risk';
  readonly portfolioId: string;
  readonly seq: number;
  readonly tickTs: number;
  readonly computedMs: number;
  readonly greeks: Greeks;
  readonly byUnderlying: Readonly<Record<string, UnderlyingRisk>>;
  readonly marketValue: number;
  readonly equity: number;
  readonly pnl: { readonly realised: number; readonly unrealised: number; readonly total: number };
  readonly var: { readonly method: string; readonly confidence: number; readonly value: number; readonly es: number };
  readonly margin: { readonly requirement: number };
  readonly leverage: number;
  readonly breaches: readonly { readonly code: string; readonly detail: string }[];
}

export interface AlertFrame {
  readonly type: 'alert';
  readonly alertId: string;
  readonly rule: string;
  readonly severity: 'low' | 'medium' | 'high';
  readonly state: string;
  readonly customerId: string | null;
  readonly portfolioId: string;
  readonly notional: number;
  readonly createdMs: number;
}

export interface Grant {
  readonly role: string;
  readonly portfolios: readonly string[];
}

export interface AuthenticatedFrame {
  readonly type: 'authenticated';
  readonly sub: string;
  readonly grants: readonly Grant[];
  readonly roles: readonly string[];
  readonly expMs: number;
}

export interface ErrorFrame {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number';

export function isRiskFrame(f: Obj): f is Obj & RiskFrame {
  return f.type === 'risk' && typeof f.portfolioId === 'string' && isNum(f.seq) && isObj(f.greeks) && isObj(f.byUnderlying)
    && isObj(f.pnl) && isObj(f.var) && isObj(f.margin) && Array.isArray(f.breaches);
}

export function isAlertFrame(f: Obj): f is Obj & AlertFrame {
  return f.type === 'alert' && typeof f.alertId === 'string' && typeof f.rule === 'string' && typeof f.severity === 'string';
}

export function isAuthenticatedFrame(f: Obj): f is Obj & AuthenticatedFrame {
  return f.type === 'authenticated' && typeof f.sub === 'string' && Array.isArray(f.roles) && Array.isArray(f.grants);
}

export function isErrorFrame(f: Obj): f is Obj & ErrorFrame {
  return f.type === 'error' && typeof f.code === 'string';
}

export { isObj };
