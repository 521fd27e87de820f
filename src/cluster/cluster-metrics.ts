import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { CLUSTER_METRICS_TIMEOUT_MS } from '../defaults.js';
import type { MetricsExposition } from '../metrics/metrics.js';
import { isGhostChatMessage, type FromPrimary, type FromWorker, type MetricsSnapshot } from './ipc.js';

const contentType = AggregatorRegistry.PROMETHEUS_CONTENT_TYPE;

/**
 * The primary's side: one exposition for the whole cluster, gathered from every ready worker on each
 * scrape and combined by prom-client's AggregatorRegistry (counters and connections summed; the
 * room and participant gauges, read from the shared store by every worker, taken once). A worker
 * that does not answer in time is left out of that scrape rather than failing it.
 */
export class ClusterMetrics implements MetricsExposition {
  readonly contentType = contentType;
  private nextId = 0;

  constructor(private readonly workers: () => Worker[]) {}

  async render(): Promise<string> {
    const id = this.nextId++;
    const snapshots = await Promise.all(this.workers().map((worker) => this.collect(worker, id)));
    const answered = snapshots.filter((s): s is MetricsSnapshot => s !== null);
    return AggregatorRegistry.aggregate(answered).metrics();
  }

  /** Answers a worker asking for the cluster's metrics (METRICS_TOKEN on the public port). */
  answer(worker: Worker, id: number): void {
    this.render().then(
      (text) => send(worker, { ghostchat: 'metrics', id, text }),
      () => send(worker, { ghostchat: 'metrics', id, text: null }),
    );
  }

  private collect(worker: Worker, id: number): Promise<MetricsSnapshot | null> {
    return new Promise((resolve) => {
      const done = (snapshot: MetricsSnapshot | null) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        resolve(snapshot);
      };
      const onMessage = (message: unknown) => {
        if (isGhostChatMessage<FromWorker>(message) && message.ghostchat === 'metrics-snapshot' && message.id === id)
          done(message.metrics);
      };
      const onExit = () => done(null);
      const timer = setTimeout(() => done(null), CLUSTER_METRICS_TIMEOUT_MS);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      send(worker, { ghostchat: 'metrics-collect', id });
    });
  }
}

function send(worker: Worker, message: FromPrimary): void {
  // A worker that is exiting cannot take it; its scrape share is simply missing.
  if (worker.isConnected()) worker.send(message, () => undefined);
}

/** The worker's side: answers the primary's `metrics-collect` with this worker's own registry. */
export function answerMetricsCollects(registry: Registry): void {
  process.on('message', (message: unknown) => {
    if (isGhostChatMessage<FromPrimary>(message) && message.ghostchat === 'metrics-collect') {
      void registry
        .getMetricsAsJSON()
        .then((metrics) => toPrimary({ ghostchat: 'metrics-snapshot', id: message.id, metrics }));
    }
  });
}

/** The worker's /metrics: the cluster's metrics, asked of the primary, whichever worker is asked. */
export function clusterExposition(): MetricsExposition {
  let nextId = 0;
  const waiting = new Map<number, (text: string | null) => void>();
  process.on('message', (message: unknown) => {
    if (isGhostChatMessage<FromPrimary>(message) && message.ghostchat === 'metrics') {
      waiting.get(message.id)?.(message.text);
      waiting.delete(message.id);
    }
  });
  return {
    contentType,
    render: () =>
      new Promise<string>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error('the primary did not send the metrics in time'));
        }, CLUSTER_METRICS_TIMEOUT_MS * 2);
        waiting.set(id, (text) => {
          clearTimeout(timer);
          if (text === null) reject(new Error('the primary could not gather the metrics'));
          else resolve(text);
        });
        toPrimary({ ghostchat: 'metrics-wanted', id });
      }),
  };
}

/** Sends to the primary; `sent` runs once the message is out (or at once without a primary). */
export function toPrimary(message: FromWorker, sent: () => void = () => undefined): void {
  if (process.connected && process.send) process.send(message, undefined, undefined, sent);
  else sent();
}
