import { z } from 'zod';

export const paging = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

/** Parses a query or body with zod; a bad one is a 400 with the field named. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const err = new Error(`${first?.path.join('.') || 'request'}: ${first?.message ?? 'invalid'}`) as Error & {
    statusCode: number;
    code: string;
  };
  err.statusCode = 400;
  err.code = 'bad_request';
  throw err;
}
