import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local server speaking OpenAI's chat-completions wire format, answering with whatever `reply` gives. */
export interface FakeModel {
  baseURL: string;
  requests: { path: string; auth: string | undefined; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

export type Reply = (body: Record<string, unknown>, res: ServerResponse) => string | null | undefined;

export async function startModel(reply: Reply): Promise<FakeModel> {
  const requests: FakeModel['requests'] = [];
  const http: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      requests.push({ path: req.url ?? '', auth: req.headers.authorization, body });
      const content = reply(body, res);
      if (content === undefined) return; // the reply answered (or hangs) itself
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1767225600,
          model: body['model'],
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content, refusal: null },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
