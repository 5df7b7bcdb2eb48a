/**
 * Time-based one-time passwords for MFA (RFC 6238) through otplib: HMAC-SHA-1, 6 digits, 30 s
 * steps, one step of drift either way, and each code usable once (the caller keeps the last step a
 * user's code was accepted at and passes it back: a code of that step or an earlier one is refused).
 */
import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

export const TOTP_DEFAULTS = Object.freeze({
  digits: 6 as 6 | 7 | 8,
  periodS: 30,
  /** Steps accepted either side of the current one (clock drift, a code typed at a step's end). */
  driftSteps: 1,
});

export type TotpOptions = typeof TOTP_DEFAULTS;

/** A fresh base32 secret (160 bits, RFC 4226's recommended length for SHA-1). */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The otpauth:// URI an authenticator app reads (usually from a QR code). */
export function totpUri(secret: string, account: string, issuer: string): string {
  return generateURI({ issuer, label: account, secret, digits: TOTP_DEFAULTS.digits, period: TOTP_DEFAULTS.periodS });
}

/** The code of the step holding `nowMs` (for tests and the development CLI). */
export function totpCode(secret: string, nowMs: number, o: TotpOptions = TOTP_DEFAULTS): string {
  return generateSync({ secret, epoch: Math.floor(nowMs / 1000), digits: o.digits, period: o.periodS, algorithm: 'sha1' });
}

export type TotpCheck = { readonly ok: true; readonly step: number } | { readonly ok: false; readonly code: 'MFA_CODE_INVALID' | 'MFA_CODE_REUSED' };

/**
 * Whether `code` is the user's code now (within the drift), and at which step. `lastStep` is the
 * step of the last code accepted for this user: that code and every earlier one are refused as
 * reused. Never throws: malformed input is simply not a valid code.
 */
export function checkTotp(secret: string, code: string, nowMs: number, lastStep?: number, o: TotpOptions = TOTP_DEFAULTS): TotpCheck {
  if (!new RegExp(`^\\d{${o.digits}}$`).test(code)) return { ok: false, code: 'MFA_CODE_INVALID' };
  const epoch = Math.floor(nowMs / 1000);
  const options = { secret, token: code, epoch, digits: o.digits, period: o.periodS, algorithm: 'sha1' as const, epochTolerance: o.driftSteps * o.periodS };
  try {
    const r = verifySync(options);
    if (!r.valid) return { ok: false, code: 'MFA_CODE_INVALID' };
    const step = Math.floor(epoch / o.periodS) + r.delta;
    if (lastStep !== undefined && step <= lastStep) return { ok: false, code: 'MFA_CODE_REUSED' };
    return { ok: true, step };
  } catch {
    // otplib's guardrails throw on a secret it cannot decode: no code is valid for it.
    return { ok: false, code: 'MFA_CODE_INVALID' };
  }
}
