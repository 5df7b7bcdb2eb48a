/**
 * Reads `portfolioId` and `tickTs` off the front of a `risk` frame without decoding the rest. The
 * watcher receives thousands of risk frames a second (2-3 kB each, mostly byUnderlying) and needs
 * only these two fields; decoding every frame in full would load the client's event loop, which
 * also timestamps order acks. Anything unexpected returns undefined and the caller decodes
 * the frame in full, so a change in the frame costs speed, never a wrong figure.
 */
export interface RiskHead {
  readonly portfolioId: string;
  readonly tickTs: number;
}

const utf8 = new TextDecoder();

export function peekRiskHead(b: Uint8Array): RiskHead | undefined {
  let p = 0;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const byte = (): number => {
    if (p >= b.length) throw new RangeError('truncated');
    return b[p++] as number;
  };
  const str = (): string | undefined => {
    const h = byte();
    let n: number;
    if (h >= 0xa0 && h <= 0xbf) n = h - 0xa0;
    else if (h === 0xd9) n = byte();
    else return undefined;
    if (p + n > b.length) throw new RangeError('truncated');
    const s = utf8.decode(b.subarray(p, p + n));
    p += n;
    return s;
  };
  const num = (): number | undefined => {
    const h = byte();
    if (h <= 0x7f) return h;
    if (h >= 0xe0) return h - 0x100;
    const need = (n: number): void => { if (p + n > b.length) throw new RangeError('truncated'); };
    switch (h) {
      case 0xcb: need(8); p += 8; return view.getFloat64(p - 8);
      case 0xcc: return byte();
      case 0xcd: need(2); p += 2; return view.getUint16(p - 2);
      case 0xce: need(4); p += 4; return view.getUint32(p - 4);
      case 0xcf: need(8); p += 8; return view.getUint32(p - 8) * 2 ** 32 + view.getUint32(p - 4);
      default: return undefined;
    }
  };
  try {
    const h = byte();
    let n: number;
    if (h >= 0x80 && h <= 0x8f) n = h - 0x80;
    else if (h === 0xde) { n = (byte() << 8) | byte(); } else return undefined;
    let type: string | undefined, portfolioId: string | undefined, tickTs: number | undefined;
    for (let i = 0; i < n && (type === undefined || portfolioId === undefined || tickTs === undefined); i++) {
      const key = str();
      if (key === 'type') { type = str(); if (type !== 'risk') return undefined; }
      else if (key === 'portfolioId') { portfolioId = str(); if (portfolioId === undefined) return undefined; }
      else if (key === 'tickTs' || key === 'seq' || key === 'computedMs') {
        const v = num();
        if (v === undefined) return undefined;
        if (key === 'tickTs') tickTs = v;
      } else return undefined; // any other field first: not the layout this expects
    }
    return type === 'risk' && portfolioId !== undefined && tickTs !== undefined ? { portfolioId, tickTs } : undefined;
  } catch {
    return undefined;
  }
}
