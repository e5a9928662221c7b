// Talks to /api/v1: JSON in and out, bearer token with one refresh on 401, problem+json as ApiError.

const BASE = '/api/v1';
const STORE_KEY = 'nxhall.session';

/** An error the user can read: `detail` in Chinese and `errors` per form field. */
export class ApiError extends Error {
  constructor({ status = 0, code = 'UNKNOWN', title = '', detail = '', errors = {}, problem = null }) {
    super(detail || title || code);
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail || title || fallbackDetail(status);
    this.errors = errors || {};
    this.problem = problem;
  }
}

function fallbackDetail(status) {
  if (status === 0) return '网络连接失败，请检查网络后重试。';
  if (status === 401) return '登录已失效，请重新登录。';
  if (status === 403) return '您没有权限执行此操作。';
  if (status === 404) return '请求的内容不存在或服务暂不可用（404）。';
  if (status === 429) return '操作过于频繁，请稍后再试。';
  if (status >= 500) return `服务暂时不可用，请稍后重试（${status}）。`;
  return `请求失败（${status}）。`;
}

/** The tokens live in memory and in sessionStorage, so a reload keeps the user logged in. */
export const session = {
  tokens: readStored(),

  get accessToken() {
    return this.tokens?.access_token || null;
  },

  isLoggedIn() {
    return Boolean(this.accessToken);
  },

  save(tokens) {
    this.tokens = {
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token || this.tokens?.refresh_token || null,
    };
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(this.tokens));
    } catch {
      // Storage may be disabled (private mode); the memory copy still works for this page.
    }
    window.dispatchEvent(new CustomEvent('session-changed'));
  },

  clear() {
    this.tokens = null;
    try {
      sessionStorage.removeItem(STORE_KEY);
    } catch {
      // See save().
    }
    window.dispatchEvent(new CustomEvent('session-changed'));
  },

  /** The access token's claims (sub, center, name, acct, roles), for display only; never trusted. */
  claims() {
    const token = this.accessToken;
    if (!token) return {};
    try {
      const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '=')), (c) =>
        c.charCodeAt(0),
      );
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return {};
    }
  },
};

function readStored() {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
    return parsed?.access_token ? parsed : null;
  } catch {
    return null;
  }
}

let refreshing = null;

/** One refresh at a time; concurrent 401s wait on the same attempt. */
function refreshTokens() {
  const refreshToken = session.tokens?.refresh_token;
  if (!refreshToken) return Promise.resolve(false);
  refreshing ??= send('POST', '/identity/sessions/refresh', {
    body: { refresh_token: refreshToken },
    auth: false,
  })
    .then((tokens) => {
      session.save(tokens);
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

function buildUrl(path, query) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  return url.pathname + url.search;
}

async function send(method, path, { body, query, auth = true, idempotencyKey } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && session.accessToken) headers.Authorization = `Bearer ${session.accessToken}`;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError({ status: 0, code: 'NETWORK_ERROR' });
  }
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json().catch(() => null) : null;
  if (response.ok) return data ?? {};
  if (data && (data.code || data.detail || data.title)) {
    throw new ApiError({ ...data, status: response.status, problem: data });
  }
  throw new ApiError({ status: response.status, code: `HTTP_${response.status}` });
}

/**
 * request('GET', '/accounts/me', {query, body, auth, idempotent}).
 * `idempotent: true` sends a fresh Idempotency-Key (creating POSTs); pass a string to reuse one.
 * A 401 on an authenticated call refreshes the tokens once and retries; if that fails, the session
 * ends and 'session-expired' sends the user back to the login page.
 */
export async function request(method, path, options = {}) {
  const { idempotent, ...rest } = options;
  const idempotencyKey = idempotent === true ? newIdempotencyKey() : idempotent || undefined;
  const authed = rest.auth !== false && session.isLoggedIn();
  try {
    return await send(method, path, { ...rest, idempotencyKey });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || !authed) throw error;
    if (await refreshTokens()) return send(method, path, { ...rest, idempotencyKey });
    session.clear();
    window.dispatchEvent(new CustomEvent('session-expired'));
    throw error;
  }
}

export const api = {
  get: (path, query, options = {}) => request('GET', path, { ...options, query }),
  post: (path, body, options = {}) => request('POST', path, { ...options, body }),
  put: (path, body, options = {}) => request('PUT', path, { ...options, body }),
  del: (path, options = {}) => request('DELETE', path, options),
};

export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; plain-HTTP LAN testing falls back to getRandomValues.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Ends the session on the server (best effort) and locally. */
export async function logout() {
  if (session.isLoggedIn()) {
    const refreshToken = session.tokens?.refresh_token;
    try {
      // The refresh token in the body ends that login too, even when the access token has expired.
      await send('DELETE', '/identity/sessions/current', refreshToken ? { body: { refresh_token: refreshToken } } : {});
    } catch {
      // The token may already be expired or revoked; the local session ends anyway.
    }
  }
  session.clear();
}

/** A file from the API (a certificate's PDF) as a Blob: the same token, one refresh on 401, problem+json errors. */
export async function download(path) {
  const attempt = () =>
    fetch(buildUrl(path), {
      headers: session.accessToken ? { Authorization: `Bearer ${session.accessToken}` } : {},
      credentials: 'same-origin',
      cache: 'no-store',
    }).catch(() => null);
  let response = await attempt();
  if (response && response.status === 401 && (await refreshTokens())) response = await attempt();
  if (!response) throw new ApiError({ status: 0, code: 'NETWORK_ERROR' });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError({ ...(data || {}), status: response.status, problem: data });
  }
  return response.blob();
}

/** Lists come as {items, total, page, page_size}; a bare array is accepted too. */
export function itemsOf(data) {
  if (Array.isArray(data)) return data;
  return data?.items ?? [];
}
