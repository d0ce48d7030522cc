import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  requestId: string;
  ip?: string;
  userAgent?: string;
  /** Set by the global guard when an API key authenticated the request: the audit log names it. */
  apiKeyId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Carries the request id, IP and user agent to logs and the audit log without threading them by hand. */
export const requestContext = {
  run<T>(ctx: RequestContext, fn: () => T): T {
    return storage.run(ctx, fn);
  },
  get(): RequestContext | undefined {
    return storage.getStore();
  },
};
