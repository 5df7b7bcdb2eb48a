/**
 * Connection caps at the websocket upgrade: overall, per remote address, and for connections that
 * have not authenticated yet (cheap to open, so they get the smallest cap and the auth deadline).
 * Counted from the upgrade (before the token is verified) so a burst cannot slip past the cap.
 */
export interface ConnectionCaps {
  /** Websocket connections in all. */
  readonly total: number;
  /** Connections from one remote address (behind a proxy every client shares its address). */
  readonly perIp: number;
  /** Connections that have not authenticated yet. */
  readonly unauthenticated: number;
}

/** The caps' defaults; src/config.ts maps WS_MAX_CONNECTIONS, WS_MAX_CONNECTIONS_PER_IP and WS_MAX_UNAUTHENTICATED onto them. */
export const CONNECTION_CAPS_DEFAULTS: ConnectionCaps = Object.freeze({ total: 10_000, perIp: 1000, unauthenticated: 256 });

export class ConnectionLimits {
  readonly caps: ConnectionCaps;
  private total = 0;
  private unauthenticated = 0;
  private readonly byIp = new Map<string, number>();

  constructor(caps: Partial<ConnectionCaps>) {
    this.caps = { ...CONNECTION_CAPS_DEFAULTS, ...caps };
  }

  /** Reserves a place; returns null, or why not (the caller answers 503 TOO_MANY_CONNECTIONS). */
  admit(ip: string, unauthenticated: boolean): string | null {
    if (this.total >= this.caps.total) return `the engine holds its maximum of ${this.caps.total} connections`;
    const n = this.byIp.get(ip) ?? 0;
    if (n >= this.caps.perIp) return `at most ${this.caps.perIp} connections per address`;
    if (unauthenticated && this.unauthenticated >= this.caps.unauthenticated) {
      return `at most ${this.caps.unauthenticated} connections may wait for authentication; authenticate at the upgrade (Authorization: Bearer) or retry`;
    }
    this.total += 1;
    this.byIp.set(ip, n + 1);
    if (unauthenticated) this.unauthenticated += 1;
    return null;
  }

  /** An unauthenticated connection authenticated: it leaves the smaller cap. */
  authenticated(): void {
    this.unauthenticated = Math.max(0, this.unauthenticated - 1);
  }

  release(ip: string, unauthenticated: boolean): void {
    this.total = Math.max(0, this.total - 1);
    const n = (this.byIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.byIp.delete(ip);
    else this.byIp.set(ip, n);
    if (unauthenticated) this.unauthenticated = Math.max(0, this.unauthenticated - 1);
  }

  counts(): { total: number; unauthenticated: number; addresses: number } {
    return { total: this.total, unauthenticated: this.unauthenticated, addresses: this.byIp.size };
  }
}
