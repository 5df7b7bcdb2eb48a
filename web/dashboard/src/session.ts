/**
 * Signing in through the identity endpoints (/auth/login, then /auth/mfa/verify when the account has
 * MFA) and every REST call made with the resulting access token.
 *
 * Where the tokens live, and why: in private fields of this object, in this module's memory, and
 * nowhere else. Not in localStorage or sessionStorage, which any script of the origin reads, and not
 * in cookies: a cookie is sent by the browser on its own, which would make every state-changing
 * route a CSRF target and need a CSRF token on each, and the engine's REST and websocket take
 * `Authorization: Bearer` / `auth {token}` from every other client already. The page's CSP admits
 * no script but its own bundle, so no other script runs in this page to read them. The cost: a
 * reload signs out (the refresh token dies with the page; the session ends at its expiry or at
 * sign-out, which revokes it on the server).
 */

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly mfaSetupRequired?: boolean;
}

export type LoginStep = { readonly kind: 'signedIn'; readonly mfaSetupRequired: boolean } | { readonly kind: 'mfaRequired' };

export interface Profile {
  readonly userId: string;
  readonly email: string;
  readonly displayName: string;
  readonly grants: readonly { readonly role: string; readonly portfolios: readonly string[] }[];
  readonly mfaEnabled: boolean;
}

/** Refresh this long before the access token expires (and never more often than every 10 s). */
const REFRESH_AHEAD = 0.2;
const MIN_REFRESH_S = 10;

export class Session {
  #access: string | undefined;
  #refresh: string | undefined;
  #mfaToken: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `onToken`: a new access token (after sign-in or a refresh: the websocket re-authenticates with it);
   * `onEnded`: the session cannot go on (a refresh refused), with why.
   */
  constructor(private readonly onToken: (token: string) => void, private readonly onEnded: (why: string) => void) {}

  get signedIn(): boolean {
    return this.#access !== undefined;
  }

  /** The current access token, for the websocket's `auth` (never stored elsewhere). */
  token(): string | undefined {
    return this.#access;
  }

  async login(email: string, password: string): Promise<LoginStep> {
    const r = await call<TokenPair | { mfaRequired: true; mfaToken: string }>('POST', '/auth/login', undefined, { email, password });
    if ('mfaRequired' in r) {
      this.#mfaToken = r.mfaToken;
      return { kind: 'mfaRequired' };
    }
    this.keep(r);
    return { kind: 'signedIn', mfaSetupRequired: r.mfaSetupRequired === true };
  }

  async verifyMfa(code: string): Promise<LoginStep> {
    if (this.#mfaToken === undefined) throw new ApiError(400, 'MFA_TOKEN_MISSING', 'sign in with your password first');
    const r = await call<TokenPair>('POST', '/auth/mfa/verify', undefined, { mfaToken: this.#mfaToken, code });
    this.#mfaToken = undefined;
    this.keep(r);
    return { kind: 'signedIn', mfaSetupRequired: r.mfaSetupRequired === true };
  }

  /** A signed-in REST call; a 401 ends the session (its token was revoked or expired). */
  async api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    if (this.#access === undefined) throw new ApiError(401, 'UNAUTHENTICATED', 'not signed in');
    try {
      return await call<T>(method, path, this.#access, body);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) this.end(`${e.code}: ${e.message}`);
      throw e;
    }
  }

  /** Signs out on the server (the session is revoked there) and forgets the tokens here. */
  async logout(): Promise<void> {
    const token = this.#access;
    this.forget();
    if (token !== undefined) await call('POST', '/auth/logout', token).catch(() => undefined);
  }

  private keep(r: TokenPair): void {
    this.#access = r.accessToken;
    this.#refresh = r.refreshToken;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const inS = Math.max(MIN_REFRESH_S, r.expiresIn * (1 - REFRESH_AHEAD));
    this.#timer = setTimeout(() => void this.refresh(), inS * 1000);
    this.onToken(r.accessToken);
  }

  private async refresh(): Promise<void> {
    const refreshToken = this.#refresh;
    if (refreshToken === undefined) return;
    try {
      this.keep(await call<TokenPair>('POST', '/auth/refresh', undefined, { refreshToken }));
    } catch (e) {
      this.end(e instanceof ApiError ? `${e.code}: ${e.message}` : 'the engine could not be reached to refresh the session');
    }
  }

  private end(why: string): void {
    if (this.#access === undefined) return;
    this.forget();
    this.onEnded(why);
  }

  private forget(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#access = this.#refresh = this.#mfaToken = undefined;
  }
}

/** One JSON call to the engine (same origin), no cookies sent or kept. */
async function call<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'BAD_ANSWER', `the engine answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const b = (json ?? {}) as { code?: unknown; message?: unknown };
    throw new ApiError(res.status, typeof b.code === 'string' ? b.code : `HTTP_${res.status}`, typeof b.message === 'string' ? b.message : res.statusText);
  }
  return json as T;
}
