// The storelens HTTP API from the browser: session cookie, CSRF header, readable errors.

export const LOGIN_PAGE = '/login.html';
const CSRF_COOKIE = 'storelens_csrf';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The CSRF token that login set as a readable cookie ('' if none). */
export function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return '';
}

/** The session is gone: back to the login page. */
export function toLogin() {
  if (!location.pathname.endsWith(LOGIN_PAGE)) location.assign(LOGIN_PAGE);
}

/** One line from an error body: FastAPI sends {detail: "..."} or {detail: [{loc, msg}, ...]}. */
export function errorText(body, status) {
  const detail = body && body.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).filter((p) => p !== 'query' && p !== 'body').join('.')}: ${d.msg}`).join('; ');
  }
  return status >= 500 ? `server error (${status})` : `request failed (${status})`;
}

/** The URL of an API path with query params (null, undefined and '' values left out). */
export function apiUrl(path, params) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  return url;
}

/**
 * Call the API. Options: method, params (query, null values skipped), body (JSON), as ('json' |
 * 'blob' | 'response'), signal. Changing requests send the CSRF token. 401 goes to the login page.
 */
export async function api(path, {method = 'GET', params, body, as = 'json', signal} = {}) {
  const url = apiUrl(path, params);
  const headers = {Accept: as === 'json' ? 'application/json' : '*/*'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (!['GET', 'HEAD'].includes(method)) headers['X-CSRF-Token'] = csrfToken();
  let response;
  try {
    response = await fetch(url, {
      method, headers, signal, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'cannot reach the server: check the connection');
  }
  if (response.status === 401 && path !== '/api/login') {
    toLogin();
    throw new ApiError(401, 'your session has ended: log in again');
  }
  if (!response.ok) {
    let parsed = null;
    try { parsed = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, errorText(parsed, response.status));
  }
  if (as === 'response') return response;
  if (as === 'blob') return response.blob();
  if (response.status === 204) return null;
  return response.json();
}
