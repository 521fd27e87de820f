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
    if (error) reply.log.error({ ...line, err: error.message }, 'request failed');
    else reply.log.info(line, 'request completed');
  }
}
