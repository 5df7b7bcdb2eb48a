/**
 * A sparkline: the last `capacity` values of a series as the points of an SVG polyline in a
 * width × height box, scaled to the series' own range (a flat series is drawn mid-height).
 */
export class Series {
  private readonly values: number[] = [];
  constructor(readonly capacity: number) {}

  push(v: number): void {
    if (!Number.isFinite(v)) return;
    this.values.push(v);
    if (this.values.length > this.capacity) this.values.shift();
  }

  get length(): number {
    return this.values.length;
  }

  /** `x,y x,y …` for a polyline's `points`, the newest value at the right edge. */
  points(width: number, height: number): string {
    const n = this.values.length;
    if (n === 0) return '';
    let lo = Infinity, hi = -Infinity;
    for (const v of this.values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo;
    const step = n > 1 ? width / (this.capacity - 1) : 0;
    const x0 = width - step * (n - 1);
    const pad = 1;
    return this.values
      .map((v, i) => {
        const y = span === 0 ? height / 2 : pad + (1 - (v - lo) / span) * (height - 2 * pad);
        return `${(x0 + i * step).toFixed(1)},${y.toFixed(1)}`;
      })
      .join(' ');
  }
}
