import type { Duplex } from 'node:stream';
import { toProblem } from '../../api/problem.ts';
import { BrokerError } from '../../core/errors.ts';

interface HttpServer {
  on(event: 'clientError', listener: (error: NodeJS.ErrnoException, socket: Duplex) => void): unknown;
}

/**
 * Node's HTTP server answers requests it cannot parse itself (431 for a request line and headers over its 16 KiB limit, 400
 * for malformed ones) with an empty body. This answers them as the rest of the API does: a problem+json
 * with the same status, so the OpenAPI document's 431 is true of the embedded server too.
 */
export function answerClientErrorsAsProblems(server: HttpServer): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const refused =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? new BrokerError('request.headersTooLarge', 'the request line and headers are over 16 KiB')
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new BrokerError('request.timeout', 'the request took too long to arrive')
          : new BrokerError('request.malformed', 'the request is not valid HTTP');
    const { instance: _none, ...problem } = toProblem(refused, '', undefined);
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\ncontent-type: application/problem+json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
