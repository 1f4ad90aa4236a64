/**
 * Serves the built dashboard (web/dist) at `/`: files by exact path, anything else that is not API falls back
 * to index.html (the dashboard routes with the URL hash, so this only matters for typed paths).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
};

/** Where the dashboard build is: web/dist beside src/ (from the sources) or beside dist/ (when installed). */
export function defaultWebRoot(): string {
  return path.resolve(import.meta.dirname, '../../web/dist');
}

export function installStatic(app: FastifyInstance, root: string): void {
  const index = path.join(root, 'index.html');
  app.get('/*', async (req, reply) => {
    const rel = (req.params as { '*'?: string })['*'] ?? '';
    if (rel.startsWith('api/')) {
      return reply.status(404).send({ error: { code: 'not_found', message: `no route GET ${req.url}` } });
    }
    const file = path.resolve(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) {
      return reply.status(404).send({ error: { code: 'not_found', message: 'not found' } });
    }
    const st = await stat(file).catch(() => null);
    if (st?.isFile()) {
      const ext = path.extname(file);
      void reply.header('content-type', TYPES[ext] ?? 'application/octet-stream');
      // Vite names built assets by content hash: they never change under the same name.
      void reply.header(
        'cache-control',
        rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      return reply.send(createReadStream(file));
    }
    const html = await readFile(index, 'utf8').catch(() => null);
    if (html === null) {
      return reply
        .status(404)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built: run `npm run build:web`. The API is under /api.');
    }
    void reply.header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(html);
  });
}
