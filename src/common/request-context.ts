import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What caused the work running now: the HTTP request (its id, and the caller once the auth guard knows them),
 * or the job that request enqueued. Log lines, jobs enqueued and socket broadcasts made while it runs carry
 * its request id, so one id follows a command from the request through its jobs to its broadcasts.
 */
export interface RequestContextStore {
  readonly requestId?: string;
  /** Read when a line is written: the auth guard identifies the caller after the context began. */
  userId?(): string | undefined;
  /** `<queue>:<job id>` while a BullMQ job runs. */
  readonly job?: string;
}

const storage = new AsyncLocalStorage<RequestContextStore>();

export const RequestContext = {
  run<T>(store: RequestContextStore, work: () => T): T {
    return storage.run(store, work);
  },

  current(): RequestContextStore | undefined {
    return storage.getStore();
  },

  requestId(): string | undefined {
    return storage.getStore()?.requestId;
  },

  /** The fields a log line written now carries (none outside a request or job). */
  logFields(): { requestId?: string; userId?: string; job?: string } {
    const store = storage.getStore();
    if (!store) return {};
    const userId = store.userId?.();
    return {
      ...(store.requestId ? { requestId: store.requestId } : {}),
      ...(userId ? { userId } : {}),
      ...(store.job ? { job: store.job } : {}),
    };
  },
};

/** A job's data field naming the request that enqueued it. */
export const JOB_REQUEST_ID = 'requestId';

/** Job data with the current request id added (when there is one), so the job's logs name the request that caused it. */
export function withRequestId<T extends object>(data: T): T & { requestId?: string } {
  const requestId = RequestContext.requestId();
  return requestId ? { ...data, [JOB_REQUEST_ID]: requestId } : data;
}

/** Runs a job's work in the context of the request that enqueued it (its `requestId` data field), naming the job. */
export function runInJobContext<T>(job: { id?: string; queueName: string; data?: unknown } | undefined, work: () => T): T {
  // A processor called directly (a test, a sweep) may have no job.
  if (!job) return work();
  const data = job.data as { requestId?: unknown } | undefined;
  const requestId = typeof data?.requestId === 'string' ? data.requestId : undefined;
  return storage.run({ requestId, job: `${job.queueName}:${job.id ?? '?'}` }, work);
}
