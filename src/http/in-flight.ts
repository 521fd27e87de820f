import type { FastifyInstance } from 'fastify';

/**
 * Requests the app is answering. Closing a listening server waits for them through their
 * connections; a cluster worker's server never listens (its primary hands it connections), so
 * its shutdown waits for them here instead: an upload taken before SIGTERM is still answered.
 */
export function trackInFlight(app: FastifyInstance): { idle(): Promise<void> } {
  let open = 0;
  const waiters: Array<() => void> = [];
  app.addHook('onRequest', (_request, reply, done) => {
    open++;
    // 'close' comes once per response, whether it was sent in full or its connection broke.
    reply.raw.once('close', () => {
      open--;
      if (open === 0) for (const wake of waiters.splice(0)) wake();
    });
    done();
  });
  return {
    idle: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}
