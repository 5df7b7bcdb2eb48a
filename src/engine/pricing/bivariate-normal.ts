import { normCdf } from './normal.js';

/**
 * Standard bivariate normal distribution M(x, y; rho) = P(X < x, Y < y), corr(X, Y) = rho.
 *
 * Genz's algorithm (Statistics and Computing 14, 2004, "Numerical computation of rectangular
 * bivariate and trivariate normal and t probabilities"), as transcribed by G. West, "Better
 * approximations to cumulative normal functions" (Wilmott, 2005): Gauss–Legendre quadrature of
 * Drezner–Wesolowsky's integral for |rho| < 0.925 and an asymptotic expansion near |rho| = 1.
 * About 1e-15 absolute, which Bjerksund–Stensland 2002 needs because it subtracts several M terms.
 */

// Gauss–Legendre abscissae (negative half) and weights for 6, 12 and 20 points.
const X6 = [-0.932469514203152, -0.661209386466265, -0.238619186083197];
const W6 = [0.17132449237917, 0.360761573048139, 0.467913934572691];
const X12 = [-0.981560634246719, -0.904117256370475, -0.769902674194305, -0.587317954286617, -0.36783149899818, -0.125233408511469];
const W12 = [0.0471753363865118, 0.106939325995318, 0.160078328543346, 0.203167426723066, 0.233492536538355, 0.249147045813403];
const X20 = [-0.993128599185095, -0.963971927277914, -0.912234428251326, -0.839116971822219, -0.746331906460151,
  -0.636053680726515, -0.510867001950827, -0.37370608871542, -0.227785851141645, -0.0765265211334973];
const W20 = [0.0176140071391521, 0.0406014298003869, 0.0626720483341091, 0.0832767415767048, 0.10193011981724,
  0.118194531961518, 0.131688638449177, 0.142096109318382, 0.149172986472604, 0.152753387130726];

const TWO_PI = 2 * Math.PI;

export function bivariateNormalCdf(x: number, y: number, rho: number): number {
  const absRho = Math.abs(rho);
  const [xs, ws] = absRho < 0.3 ? [X6, W6] : absRho < 0.75 ? [X12, W12] : [X20, W20];
  const lg = xs.length;
  const h = -x;
  let k = -y;
  let hk = h * k;
  let bvn = 0;

  if (absRho < 0.925) {
    if (absRho > 0) {
      const hs = (h * h + k * k) / 2;
      const asr = Math.asin(rho);
      for (let i = 0; i < lg; i++) {
        for (const iss of [-1, 1]) {
          const sn = Math.sin((asr * (iss * xs[i]! + 1)) / 2);
          bvn += ws[i]! * Math.exp((sn * hk - hs) / (1 - sn * sn));
        }
      }
      bvn = (bvn * asr) / (2 * TWO_PI);
    }
    return bvn + normCdf(-h) * normCdf(-k);
  }

  if (rho < 0) {
    k = -k;
    hk = -hk;
  }
  if (absRho < 1) {
    const as = (1 - rho) * (1 + rho);
    let a = Math.sqrt(as);
    const bs = (h - k) * (h - k);
    const c = (4 - hk) / 8;
    const d = (12 - hk) / 16;
    const asr0 = -(bs / as + hk) / 2;
    if (asr0 > -100) bvn = a * Math.exp(asr0) * (1 - (c * (bs - as) * (1 - (d * bs) / 5)) / 3 + (c * d * as * as) / 5);
    if (-hk < 100) {
      const b = Math.sqrt(bs);
      bvn -= Math.exp(-hk / 2) * Math.sqrt(TWO_PI) * normCdf(-b / a) * b * (1 - (c * bs * (1 - (d * bs) / 5)) / 3);
    }
    a /= 2;
    for (let i = 0; i < lg; i++) {
      for (const iss of [-1, 1]) {
        const xsq = (a * (iss * xs[i]! + 1)) ** 2;
        const rs = Math.sqrt(1 - xsq);
        const asr = -(bs / xsq + hk) / 2;
        if (asr > -100) {
          bvn += a * ws[i]! * Math.exp(asr) * (Math.exp((-hk * (1 - rs)) / (2 * (1 + rs))) / rs - (1 + c * xsq * (1 + d * xsq)));
        }
      }
    }
    bvn = -bvn / TWO_PI;
  }
  if (rho > 0) return bvn + normCdf(-Math.max(h, k));
  bvn = -bvn;
  if (k > h) bvn += normCdf(k) - normCdf(h);
  return bvn;
}
