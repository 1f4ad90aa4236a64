/**
 * One way to declare a route: its zod schemas (params, query, body, response), the role it needs and a summary.
 * The same declaration validates the request, enforces the role and feeds the OpenAPI document, so the
 * document cannot drift from the routes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MedicError } from '../core/index.js';
import { type Actor, requireRole } from './auth.js';
import type { Role } from './tokens.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface RouteDoc {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  /** `public` needs no token. */
  role: Role | 'public';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response?: z.ZodType;
  /** Content type of a non-JSON answer (SSE, Prometheus text). */
  produces?: string;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: Actor | null;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> extends RouteDoc {
  params?: P;
  query?: Q;
  body?: B;
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** Every route declared through `Router`, in order: the OpenAPI document is made from these. */
export class Router {
  readonly docs: RouteDoc[] = [];

  constructor(readonly app: FastifyInstance) {}

  add<
    P extends z.ZodType = z.ZodUnknown,
    Q extends z.ZodType = z.ZodUnknown,
    B extends z.ZodType = z.ZodUnknown,
  >(spec: RouteSpec<P, Q, B>): void {
    const { handler, ...doc } = spec;
    this.docs.push(doc);
    this.app.route({
      method: spec.method,
      url: spec.url,
      // Before the body is read: an unknown caller gets its 401 without making the server parse anything.
      onRequest: async (req) => requireRole(req, spec.role),
      handler: async (req, reply) => {
        const params = spec.params ? parse(spec.params, req.params, 'path') : req.params;
        const query = spec.query ? parse(spec.query, req.query, 'query') : req.query;
        const body = spec.body ? parse(spec.body, req.body ?? {}, 'body') : req.body;
        return handler({
          params: params as z.output<P>,
          query: query as z.output<Q>,
          body: body as z.output<B>,
          actor: req.actor,
          req,
          reply,
        });
      },
    });
  }
}

/** Parses with zod; a bad value is a 400 naming the field and the reason. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where = 'request'): z.output<T> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const field = first?.path.length ? `${where}.${first.path.join('.')}` : where;
  throw new MedicError('bad_request', `${field}: ${first?.message ?? 'invalid'}`);
}

/** `limit` and `offset` of every list. */
export const paging = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size (1..500)'),
  offset: z.coerce.number().int().min(0).default(0).describe('rows to skip'),
};

export const idParams = z.object({ id: z.string().min(1).max(100) });

/** The paged answer every list gives: `total` when the store can count, else `hasMore`. */
/** A store page as the API answers it: the items, where they sit, and whether more follow. */
export function paged<T>(page: { items: T[]; total: number }, query: { limit: number; offset: number }) {
  return {
    ...page,
    limit: query.limit,
    offset: query.offset,
    hasMore: query.offset + page.items.length < page.total,
  };
}

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    limit: z.number(),
    offset: z.number(),
    total: z.number().optional(),
    hasMore: z.boolean(),
  });
}
