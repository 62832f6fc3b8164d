// k6/x/queue for stock k6: Stampede's pure-JS shim of its native
// matchmaking-queue client, built on k6/http, k6/metrics and k6's sleep.
//
// Errors are data: a failed call returns {ok: false, status, error} and
// counts in error_rate; the script decides what to do.
import { sleep } from 'k6';
import { request } from 'k6/http';
import { Rate, Trend } from 'k6/metrics';
import { durationMs, isObject } from './_common.js';

export const DEFAULT_REGION = 'australiaCentral';
export const DEFAULT_MODE = 'shared';
export const DEFAULT_PATHS = {
  anonymous: '/auth/anonymous',
  me: '/me',
  join: '/queue/join',
  leave: '/queue/leave',
  status: '/queue/status',
};

const joinLatency = new Trend('queue_join_latency', true);
const matchLatency = new Trend('queue_match_latency', true);
const leaveLatency = new Trend('queue_leave_latency', true);
const errorRate = new Rate('error_rate');

// Retries of 429 and 503 answers: full-jitter exponential backoff.
const MAX_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2000;

function backoffMs(attempt) {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

function retryable(status) {
  return status === 429 || status === 503;
}

function failure(res, fallback) {
  let error = fallback;
  let message;
  if (res.status === 0) {
    error = res.error || fallback;
  } else {
    try {
      const b = JSON.parse(res.body);
      if (isObject(b) && b.error) {
        error = String(b.error);
        if (b.message) message = String(b.message);
      }
    } catch (e) {
      // not JSON: keep the fallback
    }
  }
  const out = { ok: false, status: res.status, error };
  if (message !== undefined) out.message = message;
  return out;
}

function parse(res) {
  try {
    const b = JSON.parse(res.body);
    return isObject(b) ? b : null;
  } catch (e) {
    return null;
  }
}

/**
 * A client of the staging API's matchmaking queue. config: {baseUrl,
 * region?, mode? ("isolated" | "shared"), paths?, timeout?}.
 */
export class Client {
  constructor(config) {
    const c = config || {};
    const problems = [];
    const base = c.baseUrl === undefined || c.baseUrl === null ? '' : String(c.baseUrl);
    if (!/^https?:\/\/[^/?#]+/.test(base)) {
      problems.push(`baseUrl ${JSON.stringify(base)} must be an http or https URL, e.g. https://staging.example.com`);
    }
    const region = c.region === undefined || c.region === null || c.region === '' ? DEFAULT_REGION : String(c.region);
    if (region.length > 64) problems.push(`region is ${region.length} characters long; at most 64 are allowed`);
    const mode = c.mode === undefined || c.mode === null || c.mode === '' ? DEFAULT_MODE : String(c.mode);
    if (mode !== 'isolated' && mode !== 'shared') problems.push(`mode ${JSON.stringify(mode)} is not allowed; use isolated or shared`);
    const paths = Object.assign({}, DEFAULT_PATHS);
    if (c.paths !== undefined && c.paths !== null) {
      if (!isObject(c.paths)) {
        problems.push('paths must be an object such as {join: "/queue/join"}');
      } else {
        for (const k of Object.keys(c.paths)) {
          if (!(k in DEFAULT_PATHS)) problems.push(`paths.${k} is unknown; known paths: ${Object.keys(DEFAULT_PATHS).join(', ')}`);
          else if (!String(c.paths[k]).startsWith('/')) problems.push(`paths.${k} ${JSON.stringify(c.paths[k])} must start with /`);
          else paths[k] = String(c.paths[k]);
        }
      }
    }
    let timeout;
    try {
      timeout = durationMs(c.timeout, 60000);
    } catch (e) {
      problems.push(`timeout: ${e.message}`);
    }
    if (problems.length > 0) throw new Error(`queue: invalid client config: ${problems.join('; ')}`);
    this.baseUrl = base.replace(/\/+$/, '');
    this.region = region;
    this.mode = mode;
    this._paths = paths;
    this._timeout = timeout;
    this._tags = { region, mode };
    this._joinedAt = {};
  }

  _params(user, name) {
    const headers = { 'Content-Type': 'application/json' };
    if (user && user.token) headers.Authorization = `Bearer ${user.token}`;
    return { headers, timeout: this._timeout, tags: Object.assign({ name }, this._tags) };
  }

  _send(method, path, user, body) {
    const name = `${method} ${path}`;
    return request(method, this.baseUrl + path, body === undefined ? null : JSON.stringify(body), this._params(user, name));
  }

  _record(op, ok) {
    errorRate.add(!ok, Object.assign({ op }, this._tags));
  }

  _needUser(user, op) {
    if (!isObject(user) || !user.token) {
      throw new TypeError(`queue: ${op}(user): user must be the object anonymousUser() returned ({userId, token})`);
    }
  }

  /** POST /auth/anonymous: {ok, userId, token}, or {ok: false, status, error}. */
  anonymousUser() {
    const res = this._send('POST', this._paths.anonymous);
    const b = parse(res);
    const ok = res.status === 201 && b !== null && typeof b.userId === 'string' && typeof b.token === 'string';
    this._record('anonymous', ok);
    if (!ok) return failure(res, res.status === 201 ? 'malformed_response' : 'unexpected_status');
    return { ok: true, userId: b.userId, token: b.token };
  }

  /**
   * POST /queue/join with the client's region and mode; opts.sessionSeconds
   * sets the hold time of the session it leads to. 429 and 503 answers are
   * retried with jittered backoff. queue_join_latency covers all attempts.
   */
  join(user, opts) {
    this._needUser(user, 'join');
    const o = opts || {};
    const body = { region: this.region, mode: this.mode };
    if (o.sessionSeconds !== undefined && o.sessionSeconds !== null) body.sessionSeconds = Number(o.sessionSeconds);
    const start = Date.now();
    let res;
    for (let attempt = 0; ; attempt++) {
      res = this._send('POST', this._paths.join, user, body);
      if (!retryable(res.status) || attempt + 1 >= MAX_ATTEMPTS) break;
      sleep(backoffMs(attempt) / 1000);
    }
    const b = parse(res);
    const ok = res.status === 200 && b !== null;
    this._record('join', ok);
    if (!ok) return failure(res, res.status === 200 ? 'malformed_response' : 'unexpected_status');
    const now = Date.now();
    joinLatency.add(now - start, this._tags);
    this._joinedAt[user.userId] = now;
    return Object.assign({ ok: true }, b);
  }

  /** POST /queue/leave (idempotent). queue_leave_latency measures it. */
  leave(user) {
    this._needUser(user, 'leave');
    const start = Date.now();
    const res = this._send('POST', this._paths.leave, user);
    const b = parse(res);
    const ok = res.status === 200 && b !== null;
    this._record('leave', ok);
    delete this._joinedAt[user.userId];
    if (!ok) return failure(res, res.status === 200 ? 'malformed_response' : 'unexpected_status');
    leaveLatency.add(Date.now() - start, this._tags);
    return Object.assign({ ok: true }, b);
  }

  /** GET /queue/status: {ok, status: "idle" | "waiting" | "matched", position?, sessionId?, peerId?}. */
  status(user) {
    this._needUser(user, 'status');
    const res = this._send('GET', this._paths.status, user);
    const b = parse(res);
    const ok = res.status === 200 && b !== null;
    this._record('status', ok);
    if (!ok) return failure(res, res.status === 200 ? 'malformed_response' : 'unexpected_status');
    return Object.assign({ ok: true }, b);
  }

  /**
   * Polls GET /queue/status every opts.pollInterval (default "250ms") until
   * the user is matched or opts.timeout (default "60s") passes. Matched:
   * {ok: true, status: "matched", sessionId, peerId}, and queue_match_latency
   * records the time since the join. Otherwise {ok: false, status, error}.
   */
  waitForMatch(user, opts) {
    this._needUser(user, 'waitForMatch');
    const o = opts || {};
    const timeout = durationMs(o.timeout, 60000);
    const poll = durationMs(o.pollInterval, 250);
    const deadline = Date.now() + timeout;
    for (;;) {
      const res = this._send('GET', this._paths.status, user);
      const b = parse(res);
      if (res.status !== 200 || b === null) {
        this._record('wait_for_match', false);
        return failure(res, res.status === 200 ? 'malformed_response' : 'unexpected_status');
      }
      if (b.status === 'matched') {
        this._record('wait_for_match', true);
        const joined = this._joinedAt[user.userId];
        if (joined !== undefined) {
          matchLatency.add(Date.now() - joined, this._tags);
          delete this._joinedAt[user.userId];
        }
        return Object.assign({ ok: true }, b);
      }
      if (b.status !== 'waiting') {
        this._record('wait_for_match', false);
        return { ok: false, status: res.status, error: 'not_waiting' };
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this._record('wait_for_match', false);
        return { ok: false, status: res.status, error: 'timeout' };
      }
      sleep(Math.min(poll, left) / 1000);
    }
  }

  /** GET /me: {ok, userId, tokens, status, sessionId}. */
  balance(user) {
    this._needUser(user, 'balance');
    const res = this._send('GET', this._paths.me, user);
    const b = parse(res);
    const ok = res.status === 200 && b !== null && typeof b.tokens === 'number';
    this._record('balance', ok);
    if (!ok) return failure(res, res.status === 200 ? 'malformed_response' : 'unexpected_status');
    return Object.assign({ ok: true }, b);
  }
}

export default { Client, DEFAULT_REGION, DEFAULT_MODE, DEFAULT_PATHS };
