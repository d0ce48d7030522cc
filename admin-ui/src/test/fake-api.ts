import { vi } from 'vitest';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status?: number; body?: unknown; headers?: Record<string, string> };
type Route = (call: Call) => Answer | undefined;

/**
 * A stand-in for the API behind `fetch`: answers by method and path (under /api/v1), records every
 * call, and answers 404 problem+json to anything it was not told about, as the API would.
 */
export function fakeApi() {
  const routes: Array<{ method: string; path: string | RegExp; route: Route }> = [];
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://console.test');
    const call: Call = {
      method: (init.method ?? 'GET').toUpperCase(),
      path: url.pathname.replace(/^\/api\/v1/, ''),
      query: url.searchParams,
      headers: Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>)),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
    };
    calls.push(call);
    const match = routes.find((r) => r.method === call.method && (typeof r.path === 'string' ? r.path === call.path : r.path.test(call.path)));
    const answer = match?.route(call) ?? { status: 404, body: { status: 404, code: 'NOT_FOUND', detail: `No route ${call.method} ${call.path}` } };
    const status = answer.status ?? 200;
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...(answer.headers ?? {}) },
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  const on = (method: string, path: string | RegExp, route: Route | Answer) => {
    routes.unshift({ method, path, route: typeof route === 'function' ? route : () => route });
  };
  return {
    calls,
    get: (path: string | RegExp, route: Route | Answer) => on('GET', path, route),
    post: (path: string | RegExp, route: Route | Answer) => on('POST', path, route),
    patch: (path: string | RegExp, route: Route | Answer) => on('PATCH', path, route),
    put: (path: string | RegExp, route: Route | Answer) => on('PUT', path, route),
    delete: (path: string | RegExp, route: Route | Answer) => on('DELETE', path, route),
    callsTo: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path),
  };
}
