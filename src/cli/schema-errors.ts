import type { z } from 'zod';

/** One readable line from a zod error: `positions.1.vol: expected number, received undefined; ...`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
