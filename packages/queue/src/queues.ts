import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { CallbackJob, DeliverJob, ProcessJob } from './payloads.js';
import { JITTERED_BACKOFF, type RetryPolicy } from './backoff.js';
import { bullPrefix, CALLBACK_QUEUE, callbackJobId, deliverJobId, deliverQueueName, PROCESS_QUEUE, processJobId } from './names.js';

// Jobs are removed once done: the journal in PostgreSQL is the record, Redis only the work list.
// Failed jobs stay a week for inspection (the journal's dead-letter record is what counts).
const KEEP: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

const CALLBACK_ATTEMPTS = 100_000;

/** The hub's queues: one for processing, one per adapter instance for delivery. */
export class HubQueues {
  readonly process: Queue<ProcessJob>;
  readonly callback: Queue<CallbackJob>;
  private readonly deliver = new Map<string, Queue<DeliverJob>>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    private readonly retry: ReadonlyMap<string, RetryPolicy>,
    private readonly processAttempts = 5,
  ) {
    this.process = new Queue<ProcessJob>(PROCESS_QUEUE, { connection, prefix: bullPrefix(prefix) });
    this.callback = new Queue<CallbackJob>(CALLBACK_QUEUE, { connection, prefix: bullPrefix(prefix) });
  }

  deliverQueue(adapterInstance: string): Queue<DeliverJob> {
    let queue = this.deliver.get(adapterInstance);
    if (!queue) {
      queue = new Queue<DeliverJob>(deliverQueueName(adapterInstance), { connection: this.connection, prefix: bullPrefix(this.prefix) });
      this.deliver.set(adapterInstance, queue);
    }
    return queue;
  }

  /** Enqueues processing; a no-op when a job for the submission exists already. */
  async enqueueProcess(data: ProcessJob): Promise<void> {
    const payload = ProcessJob.parse(data);
    await this.process.add('process', payload, {
      jobId: processJobId(payload.submissionId),
      attempts: this.processAttempts,
      backoff: { type: 'exponential', delay: 1000 },
      ...KEEP,
    });
  }

  /** Enqueues one route's delivery with the instance's retry policy; idempotent per (submission, route). */
  async enqueueDelivery(adapterInstance: string, data: DeliverJob): Promise<void> {
    const payload = DeliverJob.parse(data);
    const policy = this.retry.get(adapterInstance);
    await this.deliverQueue(adapterInstance).add('deliver', payload, {
      jobId: deliverJobId(payload.submissionId, payload.routeId),
      attempts: policy?.attempts ?? 8,
      backoff: { type: JITTERED_BACKOFF },
      ...KEEP,
    });
  }

  /**
   * Enqueues one owed callback; idempotent per event. Attempts are practically unbounded: the worker gives
   * up by age (config callbacks.maxAgeMs), not by count, so a receiver down for a day still gets it.
   */
  async enqueueCallback(data: CallbackJob): Promise<void> {
    const payload = CallbackJob.parse(data);
    await this.callback.add('callback', payload, {
      jobId: callbackJobId(payload.jti),
      attempts: CALLBACK_ATTEMPTS,
      backoff: { type: JITTERED_BACKOFF },
      ...KEEP,
    });
  }

  /** True when a job for the id is waiting, delayed, active or being retried (not completed/failed). */
  async hasLiveJob(queue: Queue, jobId: string): Promise<boolean> {
    const job = await queue.getJob(jobId);
    if (!job) return false;
    const state = await job.getState();
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  }

  async close(): Promise<void> {
    await Promise.all([this.process.close(), this.callback.close(), ...[...this.deliver.values()].map((q) => q.close())]);
  }
}
