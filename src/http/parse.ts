import type { z } from 'zod';
import { AppError, type ErrorCode } from '../errors.js';

/** Parses untrusted request input with a schema, turning failure into a 4xx with a stable code. */
export function parseOr<S extends z.ZodType>(
  schema: S,
  input: unknown,
  code: ErrorCode = 'PAYLOAD_INVALID',
): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new AppError(code, first ? `${first.path.join('.') || 'input'}: ${first.message}` : undefined);
  }
  return result.data;
}
