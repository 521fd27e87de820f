import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './error-handler.js';
import type { ErrorCode } from '../errors.js';

/** Node's own refusals, before Fastify has a request: status, code and what the client is told. */
function clientErrorAnswer(err: NodeJS.ErrnoException): { status: number; code: ErrorCode; message: string } {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, code: 'UPLOAD_STALLED', message: 'The request was not received in time' };
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, code: 'PAYLOAD_INVALID', message: 'The URL or headers are too long' };
  }
  return { status: 400, code: 'PAYLOAD_INVALID', message: 'Malformed HTTP request' };
}

/**
 * Answers what Node's HTTP parser refuses (a URL longer than the header limit, bytes that are not
 * HTTP, a request that never completes) in our error shape, with a log line that says what
 * happened. Fastify's default handler logs the error at trace with `rawPacket`, the raw bytes of
 * the request: its URL (a room token, an image name) and its headers. This one logs the parser's
 * code and nothing the client sent.
 */
export function clientErrorHandler(log: FastifyBaseLogger) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    // The client left (reset, or closed mid-request): no one to answer, and no failure of ours.
    if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || socket.destroyed) {
      log.debug({ event: 'http-client-left', parserCode: err.code }, 'a client left mid-request');
      socket.destroy();
      return;
    }
    const { status, code, message } = clientErrorAnswer(err);
    log.info(
      { event: 'http-client-error', parserCode: err.code, status },
      'refused a request the HTTP parser could not read',
    );
    if (socket.writable) {
      const body = JSON.stringify(errorBody(code, message));
      socket.write(
        `HTTP/1.1 ${status} ${code}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}

/**
 * Fastify's router refusals (a path that does not decode, like `%zz`; a path parameter past its
 * length limit) in our error shape, with a log line without the path.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : error.code === 'FST_ERR_BAD_URL' ? 400 : 500;
  request.log.info(
    { event: 'http-bad-url', fastifyCode: error.code, status },
    'refused a URL the router could not read',
  );
  if (status === 500) {
    void reply.status(500).send(errorBody('INTERNAL'));
    return;
  }
  void reply
    .status(status)
    .send(errorBody('PAYLOAD_INVALID', status === 414 ? 'The URL is too long' : 'Malformed URL'));
}
