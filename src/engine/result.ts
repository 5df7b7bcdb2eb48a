/**
 * The one shape of an engine result: a value, or a failure with a stable code (the registries in
 * each layer's errors or reason-codes) and a message for people. The gateway maps it onto the wire.
 */
export interface Failure {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | Failure;

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const failure = (code: string, message: string): Failure => ({ ok: false, code, message });
