import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Request log lines without the client's address, headers or raw URL (which holds room tokens and
 * image names): the route pattern, the status and the time taken.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (!error) reply.log.info(line, 'request completed');
    // A client that went away mid-answer (a closed tab, a preview bot) is no server failure.
    else if (clientWentAway(error, reply)) reply.log.info({ ...line, aborted: true }, 'request aborted by the client');
    else reply.log.error({ ...line, err: error.message }, 'request failed');
  }
}

const ABORT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

function clientWentAway(error: Error, reply: FastifyReply): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && ABORT_CODES.has(code)) || error.message === 'aborted' || reply.raw.destroyed;
}
