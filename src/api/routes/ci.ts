/**
 * CI/CD webhook receivers: `POST /api/ingest/ci/github|gitlab|jenkins`. They need no API token: each sender
 * proves itself the way its service does (GitHub's HMAC signature, GitLab's secret token, the token in the
 * Jenkins endpoint URL), which the CI stage checks on the raw body. The raw bytes are taken before Fastify
 * parses anything, since a signature covers the bytes as sent, and a body that is not JSON must reach the
 * receiver to be refused with its reason and audited.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { MedicError } from '../../core/index.js';
import type { Medic } from '../../daemon/index.js';
import type { Router } from '../route.js';

const PROVIDERS = ['github', 'gitlab', 'jenkins'] as const;
const PREFIX = '/api/ingest/ci/';

declare module 'fastify' {
  interface FastifyRequest {
    ciRaw?: Buffer;
  }
}

const answer = z.object({
  accepted: z.number().describe('events taken for handling (in the background)'),
  ignored: z.string().optional().describe('why nothing was taken (a ping, an event or action not watched)'),
});

export function registerCiRoutes(r: Router, medic: Medic): void {
  // Route-level preParsing for these routes only: keep the raw body, hand the parser nothing.
  r.app.addHook('onRoute', (opts) => {
    if (!opts.url.startsWith(PREFIX)) return;
    opts.preParsing = [
      async (req, _reply, payload) => {
        const limit = req.routeOptions.bodyLimit ?? 64 * 1024;
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const c of payload) {
          const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
          size += b.length;
          if (size > limit) throw new MedicError('payload_too_large', `body over ${limit} bytes`);
          chunks.push(b);
        }
        req.ciRaw = Buffer.concat(chunks);
        // Whatever the content type, the receiver reads the bytes; the JSON parser sees an empty body.
        req.headers['content-type'] = 'application/json';
        const empty = Readable.from([]) as Readable & { receivedEncodedLength?: number };
        empty.receivedEncodedLength = size;
        return empty;
      },
    ];
  });
  for (const provider of PROVIDERS) {
    r.add({
      method: 'POST',
      url: `${PREFIX}${provider}`,
      tag: 'ingest',
      // The sender's own proof stands in for an API token (docs/ci.md).
      role: 'public',
      summary: {
        github:
          'GitHub webhook (workflow_run, workflow_job), verified by X-Hub-Signature-256; X-GitHub-Delivery replays refused',
        gitlab: 'GitLab webhook (Pipeline Hook, Job Hook), verified by X-Gitlab-Token',
        jenkins: 'Jenkins Notification plugin JSON, verified by ?token= (or X-Jenkins-Token)',
      }[provider],
      response: answer,
      handler: async ({ req, reply }) => {
        const got = await medic.ci().receive(provider, {
          headers: req.headers,
          raw: req.ciRaw ?? Buffer.alloc(0),
          query: (req.query ?? {}) as Record<string, unknown>,
          ip: req.ip,
          now: medic.clock.now(),
        });
        if (!got.ok) {
          const code =
            got.status === 401
              ? 'unauthorized'
              : got.status === 403
                ? 'forbidden'
                : got.status === 409
                  ? 'conflict'
                  : got.status === 429
                    ? 'rate_limited'
                    : 'bad_request';
          return reply.status(got.status).send({ error: { code, message: got.reason } });
        }
        void reply.status(got.accepted > 0 ? 202 : 200);
        return { accepted: got.accepted, ...(got.ignored && { ignored: got.ignored }) };
      },
    });
  }
}
