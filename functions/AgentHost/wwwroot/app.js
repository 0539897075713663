// AgentFunctions replay UI: the sessions, and a session's page with its turns; for the selected turn its Action Graph,
// each step's policy decision and approval, its timeline, a filmstrip of its browser steps' before and after screenshots;
// for a replayed session what differs from the original.
// Pages: index.html (the sessions; ?before={cursor} for older ones) and session.html?id={session}[&turn={n}][&node={step}].
// The session page's address is the one Slack cards and PR bodies link to. Every piece of data becomes a text node.
// The API wants a bearer token: without one (or when it is refused, 401) the page shows a sign-in panel instead.

import { api, links, token, ApiError } from './api.js';
import { h, replace, time, duration, between, integer, usd, label, badge, prettyJson, facts, shortHash } from './dom.js';
import { renderDag, STATUSES } from './dag.js';

const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');
const announcer = document.getElementById('announcer');
const POLL_MS = 1500;
const PAGE_SIZE = 20;
const FINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

let generation = 0;
let timer = null;

// ---------------------------------------------------------------------------------------------------------------- routing

function parseRoute() {
  const params = new URLSearchParams(location.search);
  if (!/\/session\.html$/.test(location.pathname)) return { view: 'sessions', before: params.get('before') };
  const id = params.get('id');
  const turn = params.get('turn');
  if (!id || (turn !== null && !/^[1-9]\d{0,8}$/.test(turn))) {
    return { view: 'missing', path: `${location.pathname}${location.search}` };
  }
  return { view: 'session', id, turn: turn === null ? null : Number(turn), node: params.get('node') };
}

async function route() {
  const mine = ++generation;
  clearTimeout(timer);
  forgetScreenshots();
  const current = () => mine === generation;
  const r = parseRoute();
  showAccount();
  if (!token.get()) {
    showSignIn();
    return;
  }
  main.setAttribute('aria-busy', 'true');
  try {
    if (r.view === 'sessions') await showSessions(r, current);
    else if (r.view === 'session') await showSessionPage(r, current);
    else showMissing(r);
  } catch (e) {
    if (current()) (isUnauthorized(e) ? showSignIn(e) : showError(e));
  } finally {
    if (current()) main.removeAttribute('aria-busy');
  }
}

function schedule(current, refresh) {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (!current()) return;
    try {
      await refresh();
    } catch (e) {
      // a refused token asks for another; any other failed refresh keeps what is shown and tries again
      if (current()) (isUnauthorized(e) ? showSignIn(e) : schedule(current, refresh));
    }
  }, POLL_MS);
}

function setCrumbs(items) {
  replace(crumbs, items.map(([text, href], i) =>
    h('li', null, href && i < items.length - 1 ? h('a', { href }, text) : h('span', { 'aria-current': 'page' }, text))));
}

const announce = (text) => replace(announcer, text);

function section(id, title, ...content) {
  return h('section', { id, class: 'panel', 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...content);
}

function showError(e) {
  const status = e instanceof ApiError ? e.status : 0;
  document.title = 'Error · AgentFunctions';
  replace(main,
    h('h1', null, status === 404 ? 'Not found' : 'Something went wrong'),
    h('div', { class: 'error', role: 'alert' },
      h('p', null, h('strong', null, e.title ?? 'Error'), status ? ` (HTTP ${status})` : ''),
      e.detail ? h('p', null, e.detail) : e.title ? null : h('p', null, String(e.message ?? e))),
    h('p', null, h('a', { href: links.sessions() }, 'Back to the sessions')));
  announce(`Error: ${e.title ?? e.message}`);
}

// -------------------------------------------------------------------------------------------------------------- sign-in

const isUnauthorized = (e) => e instanceof ApiError && e.status === 401;

/** The sign-out button in the header, shown while the tab has a token. */
function showAccount() {
  let button = document.getElementById('signout');
  if (!button) {
    button = h('button', { type: 'button', id: 'signout', class: 'linklike signout', on: { click: () => { token.clear(); route(); } } }, 'Sign out');
    document.querySelector('header.top')?.append(button);
  }
  button.hidden = !token.get();
}

/** Asks for a token (none yet, or the API refused it: then says why). Nothing of the API's data is shown. */
function showSignIn(refused) {
  ++generation;
  clearTimeout(timer);
  if (refused) token.clear();
  showAccount();
  setCrumbs([['Sign in']]);
  document.title = 'Sign in · AgentFunctions';
  main.removeAttribute('aria-busy');
  const input = h('textarea', { id: 'signin-token', name: 'token', rows: '4', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'signin-help' });
  const form = h('form', {
    id: 'signin-form',
    on: {
      submit: (e) => {
        e.preventDefault();
        if (input.value.trim() === '') return;
        token.set(input.value);
        route();
      },
    },
  }, h('label', { for: 'signin-token' }, 'Access token'), input, h('p', null, h('button', { type: 'submit' }, 'Sign in')));
  replace(main, h('section', { id: 'signin', class: 'panel signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    refused ? h('div', { class: 'error', role: 'alert' }, h('p', null, h('strong', null, refused.title ?? 'Not signed in'), ' (HTTP 401)'),
      refused.detail ? h('p', null, refused.detail) : null) : null,
    h('p', { id: 'signin-help' }, 'The API needs an access token. Paste one below; it is kept in this tab only (sessionStorage). ',
      'For the host\'s local dev issuer, mint one with ', h('code', { id: 'signin-hint' }, 'scripts/agent token --user <you> --org <org> --roles approver'), '.'),
    form,
    h('p', { class: 'small muted' }, 'Or open the page with ', h('code', null, '#token=<token>'), ' at the end of its address; it is taken out of the address at once.')));
  announce('Sign in needed');
  input.focus();
}

/**
 * A link to an API resource (a payload, the event log). A plain link would be followed without the token, so a click
 * fetches it with the token and saves it from an object URL; the href stays the API path, for curl.
 */
function apiLink(path, filename, attrs, ...children) {
  return h('a', {
    ...attrs,
    href: path,
    on: {
      click: async (e) => {
        e.preventDefault();
        try {
          const url = await api.objectUrl(path);
          const save = h('a', { href: url, download: filename, hidden: true });
          document.body.append(save);
          save.click();
          save.remove();
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
        } catch (error) {
          if (isUnauthorized(error)) showSignIn(error);
          else announce(`Could not fetch ${filename}: ${error.title ?? error.message}`);
        }
      },
    },
  }, ...children);
}

function showMissing(r) {
  setCrumbs([['Sessions', links.sessions()], ['Not found']]);
  document.title = 'Not found · AgentFunctions';
  replace(main, h('h1', null, 'Not found'), h('p', null, 'There is no page at ', h('code', null, r.path),
    ': a session\'s page is ', h('code', null, 'session.html?id={session}'), '. ', h('a', { href: links.sessions() }, 'See the sessions'), '.'));
}

// ------------------------------------------------------------------------------------------------------------- sessions

async function showSessions(r, current) {
  setCrumbs([['Sessions']]);
  const page = await api.sessions({ limit: PAGE_SIZE, before: r.before });
  if (!current()) return;
  document.title = 'Sessions · AgentFunctions';
  const next = page.next ? new URL(page.next, location.origin).searchParams.get('before') : null;

  const body = page.sessions.length === 0
    ? h('p', { class: 'empty' }, r.before ? 'No older sessions.' : 'No sessions yet. Create one with ',
      r.before ? null : h('code', null, 'scripts/agent session create --user <you> --org <org>'), r.before ? null : '.')
    : h('div', { class: 'scroll' }, h('table', { id: 'sessions-table', class: 'data' },
      h('caption', null, `${integer(page.total)} session${page.total === 1 ? '' : 's'}, newest first`),
      h('thead', null, h('tr', null, ['Session', 'Title', 'User', 'Org', 'Status', 'Turns', 'Tokens', 'Cost', 'Created', 'Last activity']
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, page.sessions.map((s) => h('tr', { dataset: { session: s.sessionId } },
        h('th', { scope: 'row' }, h('a', { href: links.session(s.sessionId) }, h('code', null, s.sessionId))),
        h('td', null, s.title ?? h('span', { class: 'muted' }, '—')),
        h('td', null, s.user ?? '—'),
        h('td', null, s.org ?? '—'),
        h('td', { class: 'status' }, badge(s.status)),
        h('td', { class: 'num turns' }, String(s.turnCount), s.activeTurn ? ' + 1 running' : ''),
        h('td', { class: 'num tokens' }, integer(s.tokens)),
        h('td', { class: 'num cost' }, usd(s.costUsd)),
        h('td', null, time(s.createdAt)),
        h('td', null, time(s.lastActivityAt)))))));

  replace(main,
    h('div', { class: 'title-row' }, h('h1', null, 'Sessions'), h('button', { type: 'button', on: { click: route } }, 'Refresh')),
    body,
    h('nav', { class: 'pager', 'aria-label': 'Pages' },
      r.before ? h('a', { href: links.sessions() }, '← Newest') : null,
      next ? h('a', { href: links.sessions(next), rel: 'next' }, 'Older sessions →') : null));
  announce(`${page.sessions.length} sessions shown`);
}

// ------------------------------------------------------------------------------------------------------- session page

/** The session, its events, and the selected turn: the one asked for, else the running one, else the latest. */
async function loadSession(id, requested) {
  const [session, events] = await Promise.all([api.session(id), api.events(id)]);
  const n = requested ?? session.activeTurn ?? (session.turns.length ? Math.max(...session.turns.map((t) => t.turn)) : null);
  const turn = n ? await api.turn(id, n) : null;
  return { session, events, n, turn };
}

async function showSessionPage(r, current) {
  setCrumbs([['Sessions', links.sessions()], [r.id]]);
  const loaded = await loadSession(r.id, r.turn);
  if (!current()) return;
  const state = { id: r.id, requested: r.turn, selected: r.node, ...loaded, input: null, replay: null };
  if (!state.turn?.graph.some((g) => g.id === state.selected)) state.selected = null;
  const replayOf = replayInfo(state.session);
  if (replayOf) state.replay = { info: replayOf, ...(await api.replayDiff(state.id)) };
  state.input = await turnInput(state);
  if (!current()) return;
  document.title = `Session ${r.id}${state.n ? ` · turn ${state.n}` : ''} · AgentFunctions`;
  renderSessionPage(state);

  const live = () => state.session.activeTurn || (state.turn && !FINAL.has(state.turn.status));
  const refresh = async () => {
    const next = await loadSession(r.id, r.turn);
    if (!current()) return;
    const changed = JSON.stringify([next.session, next.turn]) !== JSON.stringify([state.session, state.turn]) || next.events.length !== state.events.length;
    if (changed) {
      const focused = document.activeElement?.closest?.('[data-node]')?.dataset.node;
      const phase = state.turn?.phase;
      const n = state.n;
      Object.assign(state, next);
      if (n !== state.n) state.input = await turnInput(state);
      if (!current()) return;
      renderSessionPage(state);
      if (focused) main.querySelector(`.dag [data-node="${CSS.escape(focused)}"]`)?.focus();
      if (state.turn && state.turn.phase !== phase) announce(`Turn ${state.n}: ${label(state.turn.phase)}`);
    }
    if (state.replay && state.replay.diff?.complete === false) {
      const again = await api.replayDiff(state.id);
      if (!current()) return;
      if (JSON.stringify(again) !== JSON.stringify({ diff: state.replay.diff })) {
        state.replay = { info: state.replay.info, ...again };
        renderSessionPage(state);
      }
    }
    if (live() || state.replay?.diff?.complete === false) schedule(current, refresh);
  };
  if (live() || state.replay?.diff?.complete === false) schedule(current, refresh);
}

/** The turn's input (the ticket) as the event log's turn.accepted event references it. */
async function turnInput(state) {
  const accepted = state.events.find((e) => e.turn === state.n && e.type === 'turn.accepted');
  const ref = accepted?.inputs?.input;
  if (typeof ref !== 'string' || !ref.startsWith('sha256:')) return null;
  try {
    return await api.payloadText(state.id, ref.slice('sha256:'.length));
  } catch {
    return null;
  }
}

function renderSessionPage(state) {
  const { session } = state;
  const m = session.metadata;
  const b = session.budget;
  const turnEvents = state.n ? state.events.filter((e) => e.turn === state.n) : state.events;

  replace(main,
    h('div', { class: 'title-row' }, h('h1', null, 'Session ', h('code', null, session.sessionId)), badge(session.status)),
    m.title ? h('p', { class: 'lead' }, m.title) : null,
    facts([
      ['User', `${m.user} @ ${m.org}`],
      ['Repository', m.repository],
      ['Risk tier', label(m.riskTier)],
      ['Data sensitivity', label(m.sensitivity)],
      ['Created', time(m.createdAt)],
      ['Expires if idle', session.expiresAt ? time(session.expiresAt) : null],
      ['Tokens', `${integer(b.used)} of ${integer(b.limit)} (${integer(b.inputTokens)} in, ${integer(b.outputTokens)} out)`],
      ['Cost', usd(b.costUsd)],
      ['Event log', apiLink(links.events(session.sessionId), `${session.sessionId}-events.jsonl`, { id: 'event-log-link' }, 'JSON lines')],
    ], { id: 'session-facts' }),
    state.replay ? replayPanel(state) : null,
    session.pendingApprovals.length === 0 ? null : section('pending', 'Waiting for approval',
      h('ul', null, session.pendingApprovals.map((p) => h('li', null,
        h('a', { href: links.turn(session.sessionId, p.turn) }, `Turn ${p.turn}`), `: ${p.steps.join(', ')} (`, h('code', null, p.approvalId),
        '), expires ', time(p.expiresAt), '. Decide with ', h('code', null, `scripts/agent approve ${session.sessionId} ${p.turn} --as <name>`))))),
    section('turns', 'Turns', session.turns.length === 0 ? h('p', { class: 'empty' }, 'No turns yet.') : h('div', { class: 'scroll' },
      h('table', { class: 'data', id: 'turns-table' },
        h('thead', null, h('tr', null, ['Turn', 'Outcome', 'Summary', 'Tokens', 'Completed'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, [...session.turns].reverse().map((t) => h('tr', { class: t.turn === state.n ? 'current' : null, dataset: { turn: t.turn } },
          h('th', { scope: 'row' }, t.turn === state.n
            ? h('span', { 'aria-current': 'true' }, `Turn ${t.turn}`)
            : h('a', { href: links.turn(session.sessionId, t.turn) }, `Turn ${t.turn}`)),
          h('td', null, badge(t.outcome)),
          h('td', null, t.summary || h('span', { class: 'muted' }, '—')),
          h('td', { class: 'num' }, integer(t.tokens)),
          h('td', null, t.completedAt ? time(t.completedAt) : h('span', { class: 'muted' }, 'running')))))))),
    state.turn ? turnSection(state) : null,
    section('timeline', state.n ? `Timeline of turn ${state.n}` : 'Timeline',
      timeline(turnEvents, { onStep: (id) => select(state, id, true), steps: new Set((state.turn?.graph ?? []).map((g) => g.id)) })));
  if (state.turn) renderDetails(state, document.getElementById('node-details'));
}

function turnSection(state) {
  const { turn: t } = state;
  const plan = t.plan?.plan;
  const live = !FINAL.has(t.status);
  const latency = t.latency ?? {};
  const budget = t.budget;
  const changed = changedSteps(state);

  const planPanel = section('plan', 'Plan',
    state.input !== null ? h('details', { id: 'turn-input-box' }, h('summary', null, 'Input (the ticket)'), h('pre', { class: 'code ticket', id: 'turn-input' }, state.input)) : null,
    plan
      ? [h('p', { id: 'plan-goal', class: 'goal' }, plan.goal),
        plan.rationale ? h('p', { class: 'muted' }, plan.rationale) : null,
        h('p', { class: 'muted small' }, `Revision ${t.plan.revision} · ${plan.steps.length} steps · previewed `, time(t.plan.publishedAt),
          ' · ', apiLink(links.payload(state.id, t.plan.planRef.sha256), `plan-${t.plan.planRef.sha256.slice(0, 12)}.json`, { id: 'plan-json' }, 'plan JSON'))]
      : h('p', { class: 'empty' }, 'No plan yet: the turn is ', label(t.phase), '.'),
    t.summary ? h('div', { class: 'turn-summary' }, h('h3', null, 'Summary'), h('p', { id: 'turn-summary' }, t.summary)) : null,
    t.error ? h('div', { class: 'error', role: 'alert' }, h('strong', null, 'Error: '), t.error) : null);

  const metrics = section('metrics', 'Tokens, cost and latency', facts([
    ['Tokens', `${integer(t.tokens.inputTokens)} in · ${integer(t.tokens.outputTokens)} out · ${integer(t.tokens.total)} total`],
    ['Cost', usd(t.costUsd)],
    ['To plan preview', duration(latency.toPlanPreviewMs)],
    ['Total', latency.totalMs === undefined || latency.totalMs === null ? (live ? 'running' : '—') : duration(latency.totalMs)],
    ['Budget', budget ? `in ${integer(budget.inputTokens)} / ${integer(budget.inputCap)} · out ${integer(budget.outputTokens)} / ${integer(budget.outputCap)} · session left ${integer(budget.sessionTokensLeft)}${budget.backoff ? ' · backoff on' : ''}` : null],
    ['Accepted', t.acceptedAt ? time(t.acceptedAt) : null],
    ['Instance', h('code', null, t.instanceId)],
    ['Runtime status', t.status],
  ], { id: 'turn-metrics' }));

  const details = h('aside', { id: 'node-details', class: 'panel details', 'aria-labelledby': 'node-details-title', tabindex: '-1' });
  const graph = section('graph', 'Action Graph',
    t.graph.length === 0
      ? h('p', { class: 'empty' }, 'No steps yet.')
      : [h('div', { class: 'scroll dag-frame' }, renderDag(t.graph, { selected: state.selected, changed, onSelect: (id) => select(state, id, true) })),
        legend(t.graph)]);

  return h('div', { id: 'turn-view', dataset: { turn: t.turn } },
    h('div', { class: 'title-row' },
      h('h2', { class: 'turn-title' }, `Turn ${t.turn}`),
      h('span', { class: 'badges' }, t.outcome ? badge(t.outcome) : badge(t.phase)),
      live ? h('span', { class: 'live', title: `Refreshes every ${POLL_MS / 1000} s while the turn runs` }, 'live') : null),
    planPanel, metrics, graph,
    filmstrip(state),
    h('div', { class: 'graph-row' }, section('steps', 'Steps', stepsTable(state)), details),
    approvalsPanel(state));
}

// ------------------------------------------------------------------------------------------------------------ turn parts

function legend(nodes) {
  const present = new Set(nodes.map((n) => n.status));
  return h('ul', { class: 'legend', 'aria-label': 'Status colours' },
    STATUSES.filter((s) => present.has(s)).map((s) => h('li', null, h('span', { class: ['swatch', `status-${s}`], 'aria-hidden': 'true' }), label(s))));
}

function stepsTable(state) {
  const { turn: t } = state;
  return h('div', { class: 'scroll' }, h('table', { class: 'data steps', id: 'steps-table' },
    h('thead', null, h('tr', null, ['Step', 'Tool', 'Status', 'Depends on', 'Policy', 'Duration', 'Tokens'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, t.graph.map((n) => h('tr', { dataset: { node: n.id } },
      h('th', { scope: 'row' }, h('button', { type: 'button', class: 'linklike', on: { click: () => select(state, n.id, true) } }, n.id)),
      h('td', null, h('code', null, n.tool)),
      h('td', null, badge(n.status)),
      h('td', null, (n.dependsOn ?? []).join(', ') || '—'),
      h('td', null, n.policy ? badge(n.policy.effective, 'decision') : '—'),
      h('td', { class: 'num' }, duration(n.durationMs)),
      h('td', { class: 'num' }, n.tokens ? integer(n.tokens.total) : '—'))))));
}

function select(state, id, focus) {
  state.selected = id;
  history.replaceState(null, '', links.turn(state.id, state.n, id));
  for (const g of main.querySelectorAll('.dag .node')) {
    const on = g.dataset.node === id;
    g.classList.toggle('selected', on);
    g.setAttribute('aria-pressed', on ? 'true' : 'false');
  }
  for (const row of main.querySelectorAll('#steps-table tbody tr')) row.classList.toggle('selected', row.dataset.node === id);
  for (const frame of main.querySelectorAll('#filmstrip-list .frame')) frame.setAttribute('aria-pressed', frame.dataset.node === id ? 'true' : 'false');
  const panel = document.getElementById('node-details');
  renderDetails(state, panel);
  if (focus) panel.focus({ preventScroll: false });
}

/** The step's own event (its completion, failure or skip) for cost and model; the latest revision wins. */
function stepEvent(state, id) {
  const own = state.events.filter((e) => e.turn === state.n && e.step === id && /^step\./.test(e.type));
  return own.length ? own[own.length - 1] : null;
}

function renderDetails(state, panel) {
  const { turn: t } = state;
  const n = t.graph.find((g) => g.id === state.selected);
  if (!n) {
    replace(panel, h('h2', { id: 'node-details-title' }, 'Step details'),
      h('p', { class: 'empty' }, t.graph.length ? 'Select a step in the graph to see its inputs, outputs, policy decision and approval.' : 'Nothing to show yet.'));
    return;
  }

  const step = t.plan?.plan.steps.find((s) => s.id === n.id);
  const ev = stepEvent(state, n.id);
  const modelCost = state.events.filter((e) => e.turn === state.n && e.step === n.id && e.type === 'model.called').reduce((s, e) => s + (e.costUsd ?? 0), 0);
  const cost = ev?.costUsd ?? (modelCost > 0 ? modelCost : null);
  const images = screenshots(state, n);

  replace(panel,
    h('h2', { id: 'node-details-title' }, 'Step ', h('code', null, n.id), ' ', badge(n.status)),
    step?.why ? h('p', { class: 'muted' }, step.why) : null,
    facts([
      ['Tool', h('code', null, n.tool)],
      ['Depends on', (n.dependsOn ?? []).join(', ') || 'nothing'],
      ['Needs approval', n.requiresApproval ? 'yes' : 'no'],
      ['Started', n.startedAt ? time(n.startedAt) : null],
      ['Completed', n.completedAt ? time(n.completedAt) : null],
      ['Latency', n.durationMs !== undefined && n.durationMs !== null
        ? `${duration(n.durationMs)} working · ${duration(between(n.startedAt, n.completedAt))} wall` : 'not run yet'],
      ['Tokens', n.tokens ? `${integer(n.tokens.inputTokens)} in · ${integer(n.tokens.outputTokens)} out` : 'none (no model call)'],
      ['Cost', cost !== null ? `${usd(cost)}${ev?.model ? ` (${ev.model})` : ''}` : usd(0)],
    ], { id: 'node-facts' }),

    h('h3', null, 'Arguments'),
    h('pre', { class: 'code', id: 'node-arguments' }, prettyJson(n.arguments)),

    h('h3', null, 'Output'),
    n.outputPreview ? h('p', { id: 'node-output' }, n.outputPreview) : h('p', { class: 'muted' }, 'No output yet.'),
    n.output ? h('p', null, apiLink(links.payload(state.id, n.output.sha256), `${n.id}-${n.output.sha256.slice(0, 12)}`, { id: 'node-payload' },
      'Full output'), ` · ${integer(n.output.bytes)} bytes · ${n.output.contentType} · sha256 `, h('code', { title: n.output.sha256 }, shortHash(n.output.sha256))) : null,
    n.error ? h('pre', { class: 'error' }, n.error) : null,
    images ? [h('h3', null, 'Screenshots'), h('div', { class: 'shots', id: 'node-screenshots' }, images)] : null,

    nodeChanges(state, n),
    policyBlock(n),
    approvalBlock(state, n));
}

function policyBlock(n) {
  const p = n.policy;
  if (!p) return [h('h3', null, 'Policy'), h('p', { class: 'muted' }, 'Not evaluated yet.')];
  return h('div', { id: 'node-policy' },
    h('h3', null, 'Policy'),
    h('p', null, 'Decision ', badge(p.decision, 'decision'),
      p.effective !== p.decision ? [' · effective ', badge(p.effective, 'decision')] : null,
      ' · version ', h('code', { id: 'node-policy-version' }, p.policyVersion)),
    p.reason ? h('p', { class: 'reason' }, p.reason) : null,
    p.wouldHave ? h('p', { class: 'muted' }, `Report-only: ${p.wouldHave}`) : null,
    p.matched?.length ? h('table', { class: 'data compact', id: 'node-rules' },
      h('caption', null, 'Matched rules'),
      h('thead', null, h('tr', null, ['Rule', 'Effect', 'Mode', 'Reason'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, p.matched.map((m) => h('tr', null,
        h('th', { scope: 'row' }, h('code', null, m.id)), h('td', null, badge(m.effect, 'decision')), h('td', null, label(m.mode)),
        h('td', null, m.reason ?? '—'))))) : h('p', { class: 'muted' }, 'No rule matched (default deny).'),
    p.errors?.length ? h('ul', { class: 'error' }, p.errors.map((e) => h('li', null, e))) : null,
    p.binding ? h('p', { class: 'small' }, 'Approval binding ', h('code', { title: p.binding }, shortHash(p.binding))) : null,
    h('details', null, h('summary', null, 'Inputs the policy evaluated'), h('pre', { class: 'code' }, prettyJson(p.inputs))));
}

function approvalBlock(state, n) {
  const { turn: t } = state;
  const record = [...t.approvals].reverse().find((a) => a.steps.includes(n.id) && (n.approvalId ? a.approvalId === n.approvalId : true));
  const pending = t.pendingApproval?.steps.includes(n.id) ? t.pendingApproval : null;
  if (!n.requiresApproval && !n.approval && !record && !pending) return null;

  return h('div', { id: 'node-approval' },
    h('h3', null, 'Approval'),
    pending ? h('p', { class: 'waiting' }, 'Waiting for a decision on ', h('code', null, pending.approvalId), ' since ', time(pending.requestedAt),
      '; times out ', time(pending.expiresAt), '.') : null,
    record ? facts([
      ['Decision', badge(record.resolution, 'resolution')],
      ['Who', record.approver ?? '—'],
      ['When', time(record.resolvedAt)],
      ['Why', record.rationale || h('span', { class: 'muted' }, 'no rationale given')],
      ['Channel', record.channel ?? null],
      ['Requested', time(record.requestedAt)],
    ], { class: 'facts approval-record' }) : null,
    n.approval ? h('p', { class: 'small' }, 'Runs under approval ', h('code', null, n.approval.approvalId), ' by ', h('strong', null, n.approval.approver),
      `, policy ${n.approval.policyVersion}, budget snapshot ${integer(n.approval.budgetSnapshot)} tokens, binding `,
      h('code', { title: n.approval.binding }, shortHash(n.approval.binding))) : null,
    !pending && !record && !n.approval ? h('p', { class: 'muted' }, 'No decision recorded.') : null);
}

function approvalsPanel(state) {
  const { turn: t } = state;
  const p = t.pendingApproval;
  return section('approvals', 'Approvals',
    p ? h('div', { class: 'waiting', role: 'status' },
      h('p', null, h('strong', null, 'Waiting for approval'), ' of ', p.steps.join(', '), ' (', h('code', null, p.approvalId), '), times out ', time(p.expiresAt), '.'),
      h('p', { class: 'small' }, 'Decide with ', h('code', null, `scripts/agent approve ${state.id} ${state.n} --as <name>`), ' (or revise, deny).')) : null,
    t.approvals.length === 0
      ? (p ? null : h('p', { class: 'empty' }, 'No approval was needed or recorded.'))
      : h('div', { class: 'scroll' }, h('table', { class: 'data', id: 'approvals-table' },
        h('thead', null, h('tr', null, ['Approval', 'Steps', 'Decision', 'Who', 'Why', 'Channel', 'Requested', 'Decided'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, t.approvals.map((a) => h('tr', null,
          h('th', { scope: 'row' }, h('code', null, a.approvalId)),
          h('td', null, a.steps.join(', ')),
          h('td', null, badge(a.resolution, 'resolution')),
          h('td', { class: 'approver' }, a.approver ?? '—'),
          h('td', null, a.rationale || h('span', { class: 'muted' }, '—')),
          h('td', null, a.channel ?? '—'),
          h('td', null, time(a.requestedAt)),
          h('td', null, time(a.resolvedAt))))))));
}

// ------------------------------------------------------------------------------------------------------------ filmstrip

const BEFORE = 'screenshot_before';
const AFTER = 'screenshot_after';
const isBrowserStep = (n) => typeof n.tool === 'string' && n.tool.startsWith('browser_');

/** Screenshots fetched for this page, by session and hash: a promise of an object URL each, revoked when the page changes. */
const shots = new Map();

function forgetScreenshots() {
  for (const url of shots.values()) url.then((u) => URL.revokeObjectURL(u), () => {});
  shots.clear();
}

/**
 * An <img> of a stored screenshot. An <img src> of the API path would be sent without the token, so the bytes are
 * fetched with it and shown from an object URL (the CSP allows blob: images for this).
 */
function screenshot(state, ref, alt) {
  const img = h('img', { class: 'shot', alt, dataset: { sha256: ref.sha256 } });
  const key = `${state.id}/${ref.sha256}`;
  if (!shots.has(key)) shots.set(key, api.objectUrl(links.payload(state.id, ref.sha256)));
  shots.get(key).then((url) => { img.src = url; }, (e) => {
    shots.delete(key);
    img.classList.add('missing');
    img.title = `Could not fetch the screenshot: ${e.title ?? e.message}`;
  });
  return img;
}

/** The step's before and after screenshots (each an <img>, or a note when the step has none), or null when it has neither. */
function screenshots(state, n) {
  const a = n.attachments ?? {};
  if (!a[BEFORE] && !a[AFTER]) return null;
  return [[BEFORE, 'before'], [AFTER, 'after']].map(([name, when]) => h('span', { class: ['shot-box', when] },
    a[name] ? screenshot(state, a[name], `${n.id} ${when}`) : h('span', { class: 'muted no-shot' }, `no ${when} screenshot`),
    h('span', { class: 'small muted' }, when)));
}

/** The step's latest browser.action event: the URL it ended on and its outcome. */
function browserAction(state, id) {
  const own = state.events.filter((e) => e.turn === state.n && e.step === id && e.type === 'browser.action');
  return own.length ? own[own.length - 1] : null;
}

/** The turn's browser steps in plan order, each a frame with its before and after screenshots; a click selects the step. */
function filmstrip(state) {
  const { turn: t } = state;
  const order = new Map((t.plan?.plan.steps ?? []).map((s, i) => [s.id, i]));
  const steps = t.graph.filter(isBrowserStep).sort((a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity));
  if (steps.length === 0) return null;
  return section('filmstrip', 'Filmstrip', h('ol', { class: 'filmstrip', id: 'filmstrip-list' }, steps.map((n) => {
    const ev = browserAction(state, n.id);
    const outcome = ev?.outputs?.outcome ?? n.status;
    const url = ev?.outputs?.url;
    return h('li', null, h('button', {
      type: 'button', class: 'frame', dataset: { node: n.id }, 'aria-pressed': n.id === state.selected ? 'true' : 'false',
      on: { click: () => select(state, n.id, true) },
    },
    h('span', { class: 'shots' }, screenshots(state, n) ?? h('span', { class: 'muted no-shot' }, 'no screenshots')),
    h('span', { class: 'frame-meta' },
      h('code', { class: 'step' }, n.id), ' ', h('code', { class: 'tool' }, n.tool), ' ', badge(outcome, 'outcome'),
      url ? h('span', { class: 'url', title: url }, url) : null)));
  })));
}

// ------------------------------------------------------------------------------------------------------------- timeline

function timeline(events, { onStep, steps } = {}) {
  if (events.length === 0) return h('p', { class: 'empty' }, 'No events yet.');
  const first = events[0].time;
  return h('ol', { class: 'timeline', id: 'timeline-list' }, events.map((e) => {
    const type = String(e.type).replace(/[^a-z.]/g, '').replaceAll('.', '-');
    const offset = between(first, e.time);
    const meta = [
      e.model ? e.model : null,
      e.tokens ? `${integer(e.tokens.inputTokens)} in / ${integer(e.tokens.outputTokens)} out` : null,
      typeof e.costUsd === 'number' ? usd(e.costUsd) : null,
      typeof e.latencyMs === 'number' ? duration(e.latencyMs) : null,
      e.actor ? `by ${e.actor}` : null,
      typeof e.revision === 'number' && e.revision > 0 ? `revision ${e.revision}` : null,
    ].filter(Boolean);
    const kv = (title, obj) => obj && Object.keys(obj).length
      ? [h('dt', { class: 'group' }, title), Object.entries(obj).flatMap(([k, v]) => [h('dt', null, k), h('dd', null, h('code', null, v))])]
      : null;
    const more = kv('inputs', e.inputs) || kv('outputs', e.outputs);

    return h('li', { class: ['event', `type-${type}`], dataset: { type: e.type, seq: e.seq } },
      h('div', { class: 'when' }, time(e.time, { precise: true }), offset !== null ? h('span', { class: 'offset' }, `+${duration(offset)}`) : null),
      h('div', { class: 'what' },
        h('p', null,
          h('span', { class: 'etype' }, e.type), ' ',
          e.step ? (onStep && steps?.has(e.step)
            ? h('button', { type: 'button', class: 'linklike step', on: { click: () => onStep(e.step) } }, e.step)
            : h('span', { class: 'step' }, e.step)) : null, ' ',
          e.decision ? badge(e.decision, 'decision') : null),
        h('p', { class: 'summary' }, e.summary),
        meta.length ? h('p', { class: 'meta' }, meta.join(' · ')) : null,
        more ? h('details', null, h('summary', null, 'inputs and outputs'), h('dl', { class: 'kv' }, kv('inputs', e.inputs), kv('outputs', e.outputs))) : null));
  }));
}


// --------------------------------------------------------------------------------------------------------------- replay

const pick = (o, snake, camel) => o?.[snake] ?? o?.[camel];

/** The session's replay metadata ({ original_session, tools, policy_version, fork }) when it is a replay, else null. */
function replayInfo(session) {
  return session.replay ?? session.metadata?.replay ?? null;
}

/** The changes the replay diff reports for the selected turn. */
function turnChanges(state) {
  const turns = state.replay?.diff?.turns ?? [];
  return turns.find((t) => t.turn === state.n)?.changes ?? [];
}

function changedSteps(state) {
  return new Set(turnChanges(state).map((c) => c.step).filter((s) => typeof s === 'string'));
}

function changeItem(c, { withTurn } = {}) {
  const original = pick(c, 'original', 'original');
  const replay = pick(c, 'replay', 'replay');
  return h('li', { class: 'change', dataset: { kind: c.kind ?? 'change', step: c.step ?? '' } },
    h('span', { class: 'kind' }, label(c.kind ?? 'change')),
    withTurn ? ` in turn ${withTurn}` : null,
    c.step ? [' · step ', h('code', null, c.step)] : null, ': ',
    original !== undefined && original !== null ? h('span', { class: 'was', title: 'original' }, String(original)) : h('span', { class: 'muted' }, '—'),
    ' → ',
    replay !== undefined && replay !== null ? h('span', { class: 'now', title: 'replay' }, String(replay)) : h('span', { class: 'muted' }, '—'),
    c.detail ? h('span', { class: 'muted' }, ` (${c.detail})`) : null);
}

function replayPanel(state) {
  const { info, diff, error } = state.replay;
  const original = pick(info, 'original_session', 'originalSession');
  const fork = info.fork;
  const verdict = diff
    ? diff.complete === false
      ? h('p', { class: 'muted', id: 'replay-verdict' }, 'The replay is still running; the comparison so far:')
      : diff.same
      ? h('p', { class: 'replay-same', id: 'replay-verdict' }, 'same plan, same decisions, same outcome')
      : h('p', { class: 'replay-differs', id: 'replay-verdict' },
        `differs from the original in ${(diff.turns ?? []).filter((t) => !t.same).length} of ${(diff.turns ?? []).length} turns`)
    : h('p', { class: 'error', role: 'alert', id: 'replay-verdict' }, `The replay diff could not be read: ${error}`);

  return section('replay', 'Replay',
    facts([
      ['Replay of', original ? h('a', { href: links.session(original), id: 'replay-original' }, h('code', null, original)) : '—'],
      ['Tools', info.tools ? label(info.tools) : null],
      ['Policy version', pick(info, 'policy_version', 'policyVersion') ? h('code', null, pick(info, 'policy_version', 'policyVersion')) : null],
      ['Fork', fork ? h('code', null, JSON.stringify(fork)) : 'none'],
    ], { id: 'replay-facts' }),
    verdict,
    diff && !diff.same ? h('ol', { class: 'replay-changes', id: 'replay-changes' },
      (diff.turns ?? []).filter((t) => !t.same).map((t) => h('li', { dataset: { turn: t.turn } },
        t.turn === state.n ? h('strong', null, `Turn ${t.turn}`) : h('a', { href: links.turn(state.id, t.turn) }, `Turn ${t.turn}`),
        h('ul', null, (t.changes ?? []).map((c) => changeItem(c)))))) : null);
}

/** What the replay diff says about one step, shown with the step's details. */
function nodeChanges(state, n) {
  const mine = turnChanges(state).filter((c) => c.step === n.id);
  if (mine.length === 0) return null;
  return h('div', { id: 'node-changes' }, h('h3', null, 'Differs from the original'), h('ul', { class: 'replay-changes' }, mine.map((c) => changeItem(c))));
}


// ---------------------------------------------------------------------------------------------------------------- start

async function showHealth() {
  const target = document.getElementById('health');
  try {
    const health = await api.health();
    replace(target, h('span', { class: 'dot ok', 'aria-hidden': 'true' }), `host ${health.status} · ${health.backend}`);
  } catch (e) {
    replace(target, h('span', { class: 'dot down', 'aria-hidden': 'true' }), `host not answering (${e.title ?? e.message})`);
  }
}

document.getElementById('skip')?.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
token.fromFragment();
showHealth();
route();
