/** The OpenAPI 3.1 document, generated from the routes' own zod schemas (see route.ts). */
import { z } from 'zod';
import type { RouteDoc } from './route.js';
import { errorBody } from './routes/schemas.js';

type Json = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out['$schema'];
  return out;
}

function parameters(s: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!s) return [];
  const js = schemaOf(s, 'input');
  const props = (js['properties'] ?? {}) as Record<string, Json>;
  const required = new Set((js['required'] ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const ERRORS: Record<string, string> = {
  '400': 'malformed request: the message names the field',
  '401': 'no token, or an unknown or revoked one',
  '403': "the token's role may not do this",
  '404': 'not found',
  '409': 'conflict: the state does not allow it now (the message says why)',
  '429': 'rate limited',
};

export function openApiDocument(docs: readonly RouteDoc[], version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const error = { content: { 'application/json': { schema: schemaOf(errorBody, 'output') } } };
  for (const d of docs) {
    const path = d.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const ok: Json = d.produces
      ? { description: 'OK', content: { [d.produces]: { schema: { type: 'string' } } } }
      : {
          description: 'OK',
          content: { 'application/json': { schema: d.response ? schemaOf(d.response, 'output') : {} } },
        };
    const responses: Json = { [d.method === 'POST' && d.tag === 'tokens' ? '201' : '200']: ok };
    for (const [code, description] of Object.entries(ERRORS)) {
      if (code === '401' || code === '403') {
        if (d.role === 'public') continue;
      }
      responses[code] = { description, ...error };
    }
    const op: Json = {
      operationId: `${d.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ? c.toUpperCase() : ''))}`,
      summary: d.summary,
      tags: [d.tag],
      'x-medic-role': d.role,
      security: d.role === 'public' ? [] : [{ bearer: [] }],
      parameters: [...parameters(d.params, 'path'), ...parameters(d.query, 'query')],
      responses,
    };
    if (d.body)
      op['requestBody'] = {
        required: true,
        content: { 'application/json': { schema: schemaOf(d.body, 'input') } },
      };
    paths[path] = { ...paths[path], [d.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Medic API',
      version,
      description:
        'Errors are JSON `{ "error": { "code", "message" } }`. Lists take `limit` and `offset`. Roles: viewer < operator < admin.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
