/**
 * The one shape of an engine result: a value, or a failure with a stable code (each layer keeps
 * its codes in its errors or reason-codes registry) and a message for people that says what was
 * expected. The gateway and the CLI map it onto their own output.
 */
export interface Failure<C extends string = string> {
  readonly ok: false;
  readonly code: C;
  readonly message: string;
}

export type Result<T, C extends string = string> = { readonly ok: true; readonly value: T } | Failure<C>;

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

export const failure = <C extends string>(code: C, message: string): Failure<C> => ({ ok: false, code, message });
