/** Numbers as a risk screen shows them: grouped, with a sensible number of decimals for the size. */
const big = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const mid = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });

export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a >= 1e7) return compact.format(v);
  if (a >= 1000) return big.format(v);
  return mid.format(v);
}

export function ratio(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${v.toFixed(2)}×`;
}

export function ageMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export function time(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toLocaleTimeString('en-GB') : '—';
}
