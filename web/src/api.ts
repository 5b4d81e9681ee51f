/*
 * The dashboard's client of the wirewatch API (same origin). The token lives in sessionStorage only (gone when the
 * tab closes), is sent as `Authorization: Bearer` (RFC 6750) and never appears in a URL; a 401 clears it and sends
 * the reader back to sign-in.
 */

const TOKEN_KEY = 'wirewatch.token';

/** The stored token, or null. */
export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Stores the token for this tab. */
export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Forgets the token. */
export function clearToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage unavailable: nothing stored */
  }
}

/** The API refused the token (401). */
export class Unauthorized extends Error {
  constructor() {
    super('the API refused the token');
    this.name = 'Unauthorized';
  }
}

/** The API answered an error (`{"error":{"code","message"}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A query string from parameters (absent and empty values left out). */
export function queryString(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

/**
 * GET `path` (with `params`) as JSON with the given token (default: the stored one).
 * @throws Unauthorized on 401 (and forgets a stored token); ApiError on any other error answer; TypeError when the
 *   network fails
 */
export async function get<T>(
  path: string,
  params: Record<string, string | number | null | undefined> = {},
  token: string | null = getToken(),
): Promise<T> {
  if (!token) throw new Unauthorized();
  const res = await fetch(path + queryString(params), {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    credentials: 'omit',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
  });
  if (res.status === 401) {
    if (token === getToken()) clearToken();
    throw new Unauthorized();
  }
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  if (!res.ok) {
    throw new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? `HTTP ${res.status}`);
  }
  return body as T;
}
