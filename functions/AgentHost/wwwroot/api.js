// The platform's HTTP API (README.md, "HTTP API"). Same origin; errors are application/problem+json.

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
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
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
