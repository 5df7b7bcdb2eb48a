/**
 * What the API document (openapi.ts) says of one route: its summary and tags, the zod schemas of
 * its body, query and path parameters (the same constants its handler parses, so the document
 * cannot drift from what is checked), its answers and the error codes it can give besides those
 * every route of its kind gives (which openapi.ts adds from the route's shape).
 */
import * as z from 'zod';

/** Error codes by HTTP status. */
export type DocErrors = Readonly<Record<number, readonly string[]>>;

export interface DocResponse {
  readonly description: string;
  /** The body's shape, when a zod schema of it exists (most answers are plain TypeScript types). */
  readonly schema?: z.ZodType;
  /** What the body looks like; checked against `schema` by the tests when both are given. */
  readonly example?: unknown;
  /** Default application/json; a document download or a page says its own. */
  readonly contentType?: string;
}

export interface RouteDoc {
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** The request body: the schema the handler parses (with parseBody or the service's own parse). */
  readonly body?: z.ZodType;
  /** A body that validates against `body` (tests check it). */
  readonly bodyExample?: unknown;
  /** The query parameters as one object: each property is one parameter. */
  readonly query?: z.ZodObject;
  /** The path parameters by name (as in the pattern, `:id`); absent ones are plain strings. */
  readonly params?: Readonly<Record<string, z.ZodType>>;
  /** Answers that are not errors, by status. */
  readonly responses: Readonly<Record<number, DocResponse>>;
  /**
   * Error codes by status that this route gives besides those of its shape (openapi.ts adds 400
   * BAD_PATH/BAD_JSON, 401 UNAUTHENTICATED, 413, 415, 429 and 500 where they apply).
   */
  readonly errors?: DocErrors;
}

/** The body of every error answer (http-util.ts `fail`; Reply adds the request id). */
export const ErrorBody = z.object({
  code: z.string().describe('A stable code (errors.ts and each service\'s own codes); never changes meaning once released.'),
  message: z.string().describe('What was wrong, for a person.'),
  requestId: z.string().describe('The X-Request-Id of the answer, for the logs.'),
});

/** Answers of every signed-in route's 403 when the role or portfolio does not allow it. */
export const FORBIDDEN = { 403: ['FORBIDDEN'] } as const;

/** Codes grouped by the status a table of them gives (a service's CODE → status table). */
export function errorsByStatus<C extends string>(table: Readonly<Record<C, number>>, codes: readonly C[], more: DocErrors = {}): DocErrors {
  const out: Record<number, string[]> = {};
  for (const [status, list] of Object.entries(more)) out[Number(status)] = [...list];
  for (const c of codes) (out[table[c]] ??= []).push(c);
  return out;
}
