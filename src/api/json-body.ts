/**
 * JSON bodies, with one tolerance: an empty body sent with `Content-Type: application/json` is no body. Clients
 * and proxies send the header on a bodiless DELETE or POST (Fastify's own parser answers 400 "Body cannot be
 * empty"); a route that takes no body has nothing to miss, and one that needs a body still gets its 400 from
 * its schema, naming the field. Anything else is parsed by Fastify's parser, prototype-poisoning checks and
 * all.
 */
import type { FastifyInstance } from 'fastify';

export function installJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(req, text, done);
  });
}
