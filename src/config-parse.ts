import { z } from 'zod';

// The pieces config.ts and config-limits.ts parse the environment with. They read only the object
// they are given; config.ts alone passes process.env.

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export const intInRange = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

export const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A comma-separated list, each entry trimmed, empty ones dropped. */
export const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0),
);

export function parse<T>(env: Env, name: string, schema: z.ZodType<T>, fallback: string): T {
  const raw = env[name];
  const result = schema.safeParse(raw === undefined || raw === '' ? fallback : raw);
  if (!result.success) {
    throw new ConfigError(name, result.error.issues.map((i) => i.message).join('; '));
  }
  return result.data;
}

export function optional<T>(env: Env, name: string, schema: z.ZodType<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  return parse(env, name, schema, '');
}
