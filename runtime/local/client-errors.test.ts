import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrorsAsProblems } from './client-errors.ts';

describe('requests the HTTP parser refuses', () => {
  const server = createServer((_req, res) => res.end('ok'));
  let port: number;
  beforeAll(async () => {
    answerClientErrorsAsProblems(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('answers headers over 16 KiB with a 431 problem', async () => {
    const reply = await new Promise<{ status: number; type: string; body: string }>((done, fail) => {
      const req = request({
        port,
        host: '127.0.0.1',
        path: '/v1/targets',
        headers: { 'x-big': 'y'.repeat(17_000) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      });
      req.on('error', fail);
      req.end();
    });
    expect(reply.status).toBe(431);
    expect(reply.type).toBe('application/problem+json');
    expect(JSON.parse(reply.body)).toMatchObject({ status: 431, code: 'request.headersTooLarge' });
  });
});
