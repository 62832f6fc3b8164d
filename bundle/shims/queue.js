// k6/x/queue for stock k6: Stampede's pure-JS shim of its native
// matchmaking-queue client, built on k6/http, k6/metrics and k6's sleep,
// with the same exports, arguments, results, metrics and tags.
//
// Every request goes through k6/http (named "<METHOD> <path>", tagged with
// region and mode). The module records queue_join_latency (from sending the
// join to its acknowledgement, 429/503 retries included),
// queue_match_latency (from the join's acknowledgement to the poll that sees
// the match), queue_leave_latency, and error_rate (one sample per
// operation, tagged op), all tagged with region and mode.
//
// Errors are data: a failed call returns {ok: false, status, error,
// message?}; a successful one {ok: true, ...the API's JSON fields}. Only
// misuse throws: a bad config, or a user object without a token.
import { sleep } from 'k6';
import { request } from 'k6/http';
import { Rate, Trend } from 'k6/metrics';
import { durationMs, formatDuration, isObject, nullish, redactURL } from './_common.js';

export const DEFAULT_REGION = 'australiaCentral';
export const DEFAULT_MODE = 'shared';
export const DEFAULT_PATHS = {
  anonymous: '/auth/anonymous',
  me: '/me',
  join: '/queue/join',
  leave: '/queue/leave',
  status: '/queue/status',
};

const DEFAULT_TIMEOUT_MS = 60000;
const DEFAULT_MATCH_TIMEOUT_MS = 60000;
const DEFAULT_POLL_INTERVAL_MS = 250;
const MAX_REGION_LENGTH = 64;

// Retries of a join answered with 429 or 503: up to MAX_ATTEMPTS sends,
// sleeping a random time in [0, min(cap, base * 2^n)) before retry n+1
// ("full jitter"); a longer Retry-After, capped, is honoured.
const RETRY = { maxAttempts: 5, baseMs: 100, capMs: 2000 };

const joinLatency = new Trend('queue_join_latency', true);
const matchLatency = new Trend('queue_match_latency', true);
const leaveLatency = new Trend('queue_leave_latency', true);
const errorRate = new Rate('error_rate');


function str(v) {
  return nullish(v) ? '' : String(v);
}

function parseConfig(config) {
  if (!nullish(config) && (typeof config !== 'object' || Array.isArray(config))) {
    throw new TypeError("queue: new Client(config): config must be an object such as {baseUrl: 'https://staging.example.com'}");
  }
  const o = nullish(config) ? {} : config;
  const problems = [];
  if (!nullish(config)) {
    for (const k of Object.keys(o)) {
      if (!['baseUrl', 'region', 'mode', 'paths', 'timeout'].includes(k)) {
        problems.push(`option ${JSON.stringify(k)} is unknown; known options: baseUrl, region, mode, paths, timeout`);
      }
    }
  }
  const cfg = { baseUrl: str(o.baseUrl), region: str(o.region), mode: str(o.mode), paths: {}, timeout: DEFAULT_TIMEOUT_MS };
  if (!nullish(o.timeout)) {
    try {
      const t = durationMs(o.timeout);
      if (t === 0) problems.push('timeout must be positive');
      else cfg.timeout = t;
    } catch (e) {
      problems.push(`timeout: ${e.message}`);
    }
  }
  if (!nullish(o.paths)) {
    if (typeof o.paths !== 'object' || Array.isArray(o.paths)) {
      problems.push("paths must be an object such as {join: '/queue/join'}");
    } else {
      for (const k of Object.keys(o.paths)) {
        if (!(k in DEFAULT_PATHS)) {
          problems.push(`paths.${k} is unknown; known paths: anonymous, me, join, leave, status`);
          continue;
        }
        cfg.paths[k] = String(o.paths[k]);
        if (cfg.paths[k] === '') problems.push(`paths.${k} must not be empty`);
      }
    }
  }
  // The native client's validation, reported before the problems above.
  const invalid = [];
  if (cfg.baseUrl === '') {
    invalid.push("baseUrl is required (the staging API's base URL, e.g. https://staging.example.com)");
  } else if (!/^https?:\/\/[^/?#@]*@?[^/?#@]+/i.test(cfg.baseUrl)) {
    invalid.push(`baseUrl ${JSON.stringify(redactURL(cfg.baseUrl))} must be an http or https URL with a host, e.g. https://staging.example.com`);
  }
  if (cfg.region.length > MAX_REGION_LENGTH) {
    invalid.push(`region is ${cfg.region.length} characters long; at most ${MAX_REGION_LENGTH} are allowed`);
  }
  if (cfg.mode !== '' && cfg.mode !== 'isolated' && cfg.mode !== 'shared') {
    invalid.push(`mode ${JSON.stringify(cfg.mode)} is not allowed; use isolated or shared`);
  }
  for (const k of Object.keys(DEFAULT_PATHS)) {
    const p = cfg.paths[k];
    if (p !== undefined && p !== '' && !p.startsWith('/')) invalid.push(`paths.${k} ${JSON.stringify(p)} must start with /`);
  }
  const all = invalid.concat(problems);
  if (all.length > 0) throw new Error(`queue: invalid client config: ${all.join('; ')}`);
  return cfg;
}

// parse decodes a JSON object; anything else is null.
function parse(res) {
  if (res.body === null || res.body === undefined) return null;
  try {
    const b = JSON.parse(res.body);
    return isObject(b) ? b : null;
  } catch (e) {
    return null;
  }
}

// failure is the {ok: false, ...} of an answer that is not the expected
// success; the user's token is scrubbed from whatever the server said.
function failure(res, want, user) {
  const out = { ok: false, status: res.status, error: '' };
  let message = '';
  const b = parse(res);
  if (res.status === 0) {
    out.error = res.error || 'request_failed';
  } else if (b !== null && typeof b.error === 'string' && b.error !== '') {
    out.error = b.error;
    if (typeof b.message === 'string') message = b.message;
  } else if (res.status === want) {
    out.error = 'malformed_response';
    message = `HTTP ${res.status} but the body is not the expected JSON object`;
  } else {
    out.error = 'unexpected_status';
  }
  const token = user && user.token ? String(user.token) : '';
  if (token !== '') {
    out.error = out.error.split(token).join('<redacted>');
    message = message.split(token).join('<redacted>');
  }
  if (message !== '') out.message = message;
  return out;
}

// success is {ok: true, ...body} (a body field "ok" is dropped).
function success(body) {
  const out = { ok: true };
  for (const k of Object.keys(body)) if (k !== 'ok') out[k] = body[k];
  return out;
}

function userOf(user, method) {
  if (user !== null && typeof user === 'object' && !nullish(user.token) && String(user.token) !== '') {
    return { userId: nullish(user.userId) ? '' : String(user.userId), token: String(user.token) };
  }
  throw new TypeError(`queue: ${method}(user): user must be the object anonymousUser() returned ({userId, token})`);
}

function header(res, name) {
  const h = res.headers || {};
  if (h[name] !== undefined) return h[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(h)) if (k.toLowerCase() === lower) return h[k];
  return undefined;
}

function backoffMs(attempt, res) {
  let ceiling = RETRY.baseMs * 2 ** attempt;
  if (ceiling > RETRY.capMs || ceiling <= 0) ceiling = RETRY.capMs;
  let d = Math.random() * ceiling;
  const ra = header(res, 'Retry-After');
  if (ra !== undefined) {
    const secs = Number(ra);
    if (Number.isFinite(secs) && secs > 0 && secs * 1000 > d) d = Math.min(secs * 1000, RETRY.capMs);
  }
  return d;
}

/**
 * A client of the staging API's matchmaking queue: new Client({baseUrl,
 * region?, mode? ("isolated" | "shared"), paths?, timeout?}).
 */
export class Client {
  constructor(config) {
    const cfg = parseConfig(config);
    const c = {
      base: cfg.baseUrl.replace(/\/+$/, ''),
      region: cfg.region || DEFAULT_REGION,
      mode: cfg.mode || DEFAULT_MODE,
      paths: {},
      timeout: cfg.timeout,
      joinedAt: {},
    };
    for (const k of Object.keys(DEFAULT_PATHS)) c.paths[k] = cfg.paths[k] || DEFAULT_PATHS[k];
    c.tags = { region: c.region, mode: c.mode };
    const methods = {
      anonymousUser: () => anonymousUser(c),
      join: (user, opts) => join(c, user, opts),
      leave: (user) => leave(c, user),
      status: (user) => status(c, user),
      waitForMatch: (user, opts) => waitForMatch(c, user, opts),
      balance: (user) => balance(c, user),
    };
    for (const name of Object.keys(methods)) {
      Object.defineProperty(this, name, { value: methods[name], writable: false, enumerable: false, configurable: true });
    }
    for (const [k, v] of [['baseUrl', c.base], ['region', c.region], ['mode', c.mode]]) {
      Object.defineProperty(this, k, { value: v, writable: false, enumerable: true, configurable: true });
    }
  }
}

function send(c, method, path, user, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (user) headers.Authorization = `Bearer ${user.token}`;
  return request(method, c.base + path, body === undefined ? null : body, {
    headers,
    timeout: c.timeout,
    tags: { name: `${method} ${path}`, region: c.region, mode: c.mode },
    responseType: 'text',
  });
}

// spentMs is the time a request took, from k6's timings: waiting for a
// connection, connecting, TLS, sending, waiting and receiving.
function spentMs(res) {
  const t = res.timings || {};
  return (t.blocked || 0) + (t.connecting || 0) + (t.tls_handshaking || 0) + (t.sending || 0) + (t.waiting || 0) + (t.receiving || 0);
}

// elapsedMs is the time since startMs. Date.now() counts whole
// milliseconds; when the requests' own timings (plus any backoff) account
// for the wall time within that millisecond, they give the finer value.
function elapsedMs(startMs, fineMs) {
  const wall = Date.now() - startMs;
  return Math.abs(wall - fineMs) <= 1 ? fineMs : wall;
}

function recordOp(c, op, ok) {
  errorRate.add(!ok, { region: c.region, mode: c.mode, op });
}

/** POST /auth/anonymous: {ok: true, userId, token}. */
function anonymousUser(c) {
  const res = send(c, 'POST', c.paths.anonymous);
  const b = parse(res);
  const ok = res.status === 201 && b !== null && typeof b.userId === 'string' && typeof b.token === 'string';
  recordOp(c, 'anonymous', ok);
  if (!ok) return failure(res, 201, null);
  return { ok: true, userId: b.userId, token: b.token };
}

/**
 * POST /queue/join with the client's region and mode; opts.sessionSeconds
 * sets the hold time of the session it leads to. 429 and 503 answers are
 * retried with jittered backoff; queue_join_latency covers every attempt.
 */
function join(c, user, opts) {
  const u = userOf(user, 'join');
  const payload = { mode: c.mode, region: c.region }; // keys sorted, as the native client sends them
  if (isObject(opts) && !nullish(opts.sessionSeconds)) {
    const s = Number(opts.sessionSeconds);
    if (!Number.isInteger(s)) {
      throw new TypeError(`queue: join: sessionSeconds ${String(opts.sessionSeconds)} must be a whole number of seconds (1..3600)`);
    }
    if (s !== 0) payload.sessionSeconds = s;
  }
  const body = JSON.stringify(payload);
  const start = Date.now();
  let fine = 0;
  let res;
  for (let attempt = 0; ; attempt++) {
    res = send(c, 'POST', c.paths.join, u, body);
    fine += spentMs(res);
    if ((res.status !== 429 && res.status !== 503) || attempt + 1 >= RETRY.maxAttempts) break;
    const pause = backoffMs(attempt, res);
    sleep(pause / 1000);
    fine += pause;
  }
  const b = parse(res);
  const ok = res.status === 200 && b !== null;
  recordOp(c, 'join', ok);
  if (!ok) return failure(res, 200, u);
  joinLatency.add(elapsedMs(start, fine), c.tags);
  c.joinedAt[u.userId] = Date.now();
  return success(b);
}

/** POST /queue/leave (idempotent; ends a session). queue_leave_latency measures it. */
function leave(c, user) {
  const u = userOf(user, 'leave');
  const start = Date.now();
  const res = send(c, 'POST', c.paths.leave, u);
  delete c.joinedAt[u.userId];
  const b = parse(res);
  const ok = res.status === 200 && b !== null;
  recordOp(c, 'leave', ok);
  if (!ok) return failure(res, 200, u);
  leaveLatency.add(elapsedMs(start, spentMs(res)), c.tags);
  return success(b);
}

/** GET /queue/status: {ok: true, status: "idle" | "waiting" | "matched", position?, sessionId?, peerId?}. */
function status(c, user) {
  const u = userOf(user, 'status');
  const res = send(c, 'GET', c.paths.status, u);
  const b = parse(res);
  const ok = res.status === 200 && b !== null;
  recordOp(c, 'status', ok);
  if (!ok) return failure(res, 200, u);
  return success(b);
}

/**
 * Polls the status every opts.pollInterval (default "250ms") until the user
 * is matched or opts.timeout (default "60s") passes. The whole wait is one
 * operation in error_rate; queue_match_latency records the time since the
 * join's acknowledgement by this client.
 */
function waitForMatch(c, user, opts) {
  const u = userOf(user, 'waitForMatch');
  let timeout = 0;
  let poll = 0;
  if (!nullish(opts) && typeof opts === 'object') {
    for (const name of ['timeout', 'pollInterval']) {
      if (nullish(opts[name])) continue;
      let d;
      try {
        d = durationMs(opts[name]);
      } catch (e) {
        throw new TypeError(`queue: waitForMatch ${name}: ${e.message}`);
      }
      if (name === 'timeout') timeout = d;
      else poll = d;
    }
  }
  if (timeout <= 0) timeout = DEFAULT_MATCH_TIMEOUT_MS;
  if (poll <= 0) poll = DEFAULT_POLL_INTERVAL_MS;
  const deadline = Date.now() + timeout;
  const fail = (out) => {
    recordOp(c, 'wait_for_match', false);
    return out;
  };
  for (;;) {
    const res = send(c, 'GET', c.paths.status, u);
    const b = parse(res);
    if (res.status !== 200 || b === null) return fail(failure(res, 200, u));
    if (b.status === 'matched') {
      recordOp(c, 'wait_for_match', true);
      const joined = c.joinedAt[u.userId];
      delete c.joinedAt[u.userId];
      if (joined !== undefined) matchLatency.add(Date.now() - joined, c.tags);
      return success(b);
    }
    if (b.status !== 'waiting') {
      const state = typeof b.status === 'string' ? b.status : '';
      return fail({ ok: false, status: res.status, error: 'not_waiting', message: `the user's status is ${JSON.stringify(state)}, neither waiting nor matched` });
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      return fail({ ok: false, status: res.status, error: 'timeout', message: `not matched within ${formatDuration(timeout)}` });
    }
    sleep(Math.min(poll, left) / 1000);
  }
}

/** GET /me: {ok: true, userId, tokens, status, sessionId}. */
function balance(c, user) {
  const u = userOf(user, 'balance');
  const res = send(c, 'GET', c.paths.me, u);
  const b = parse(res);
  const ok = res.status === 200 && b !== null && typeof b.tokens === 'number';
  recordOp(c, 'balance', ok);
  if (!ok) return failure(res, 200, u);
  return success(b);
}

export default { Client, DEFAULT_REGION, DEFAULT_MODE, DEFAULT_PATHS };
