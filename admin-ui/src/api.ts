/** The console talks only to /api/v1, with the lk_session cookie and the CSRF header. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code?: string; detail?: string; errors?: Array<{ field: string; message: string }> },
  ) {
    super(body.detail ?? `Request failed (${status})`);
  }
}

function csrfToken(): string | undefined {
  return document.cookie
    .split('; ')
    .find((c) => c.startsWith('lk_csrf='))
    ?.slice('lk_csrf='.length);
}

export async function api<T = unknown>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const csrf = csrfToken();
  if (csrf && method !== 'GET') {
    headers['X-CSRF-Token'] = csrf;
  }
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    throw new ApiError(res.status, body ?? {});
  }
  return body as T;
}

/** Multipart upload (the avatar): the browser sets the boundary; the CSRF header as for any write. */
export async function apiUpload<T = unknown>(path: string, form: FormData, method = 'PUT'): Promise<T> {
  const csrf = csrfToken();
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: { Accept: 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
    credentials: 'same-origin',
    body: form,
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    throw new ApiError(res.status, body ?? {});
  }
  return body as T;
}
