// The platform's HTTP API (README.md, "HTTP API"). Same origin; errors are application/problem+json. Every call
// carries 'Authorization: Bearer' with the token of this tab (sessionStorage): pasted in the sign-in panel or given once
// as #token=... in the address, which is then taken out of the address bar.

const TOKEN_KEY = 'agentfunctions.token';

/** The tab's access token, or null. */
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),

  /** Keeps a #token=... of the address (then removes it from the address and the history entry). */
  fromFragment() {
    const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
    const given = fragment.get('token');
    if (given === null) return;
    if (given.trim() !== '') this.set(given);
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  },
};

/** The request headers: JSON accepted, the bearer token when there is one. */
function headers(extra) {
  const value = token.get();
  return { Accept: 'application/json', ...extra, ...(value ? { Authorization: `Bearer ${value}` } : {}) };
}

export class ApiError extends Error {
  constructor(status, title, detail, errors) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }
}

const seg = (value) => encodeURIComponent(String(value));

async function send(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'The host did not answer', `${method} ${path}: ${e.message}`);
  }

  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      // not problem+json: keep the status line
    }
    throw new ApiError(response.status, problem.title ?? `${response.status} ${response.statusText}`, problem.detail ?? '', problem.errors);
  }

  return response;
}

const json = async (method, path, body) => (await send(method, path, body)).json();

export const links = {
  sessions: (before) => `./${before ? `?before=${seg(before)}` : ''}`,
  session: (id) => `session.html?id=${seg(id)}`,
  turn: (id, n, node) => `session.html?id=${seg(id)}&turn=${seg(n)}${node ? `&node=${seg(node)}` : ''}`,
  payload: (id, sha) => `/api/sessions/${seg(id)}/payloads/${seg(sha)}`,
  events: (id) => `/api/sessions/${seg(id)}/events`,
};

export const api = {
  health: () => json('GET', '/api/health'),
  sessions: ({ limit = 20, before } = {}) =>
    json('GET', `/api/sessions?limit=${seg(limit)}${before ? `&before=${seg(before)}` : ''}`),
  session: (id) => json('GET', `/api/sessions/${seg(id)}`),
  turn: (id, n) => json('GET', `/api/sessions/${seg(id)}/turns/${seg(n)}`),
  payloadText: async (id, sha) => (await send('GET', links.payload(id, sha))).text(),

  /**
   * A payload or the event log as an object URL (blob:), fetched with the token: a plain link or <img> would be sent
   * without it. The caller revokes the URL when done with it.
   */
  objectUrl: async (path) => URL.createObjectURL(await (await send('GET', path)).blob()),

  /** The event log: JSON lines, one event each. */
  async events(id) {
    const text = await (await send('GET', links.events(id))).text();
    return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
  },

  /** A replayed session compared with its original: { diff } or { error } (the page shows the rest of the session either way). */
  async replayDiff(id) {
    try {
      return { diff: await json('GET', `/api/sessions/${seg(id)}/replay/diff`) };
    } catch (e) {
      return { error: e.message };
    }
  },
};
