// k6/x/prom for stock k6: Stampede's pure-JS shim of its native Prometheus
// query module, built on k6/http and k6/metrics.
//
// Prometheus being down, slow or answering errors never fails the load test:
// every failed call logs a warning (without the bearer token), returns an
// empty result, and adds 1 to the prom_query_errors counter. A query that
// returns no series warns once and, for metric names Prometheus does not
// know, suggests close names from /api/v1/label/__name__/values.
import { request, batch, expectedStatuses } from 'k6/http';
import { Counter } from 'k6/metrics';
import { durationMs, isObject } from './_common.js';

export const DEFAULT_TIMEOUT = '10s';

/** The seed metrics snapshot() reads when given no queries. */
export const DEFAULT_SNAPSHOT_QUERIES = [
  'redis_connected_clients',
  'redis_used_memory_bytes',
  'pg_stat_database_xact_commit',
  'pg_stat_database_blks_read',
];

const queryErrors = new Counter('prom_query_errors');

// Requests to Prometheus are the test's instruments, not the system under
// test: no status (not even a failed connection) counts in http_req_failed.
const ALWAYS_EXPECTED = expectedStatuses(0, { min: 100, max: 599 });

// ---- "did you mean" -------------------------------------------------------

const KEYWORDS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk',
  'quantile', 'limitk', 'limit_ratio', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'offset', 'bool', 'and', 'or', 'unless', 'atan2', 'inf', 'nan',
]);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const NAME_MATCHER = /__name__\s*=\s*["'`]([a-zA-Z_:][a-zA-Z0-9_:]*)["'`]/g;

const isIdentStart = (c) => c === '_' || c === ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isIdentPart = (c) => isIdentStart(c) || (c >= '0' && c <= '9');

function skipString(q, i) {
  const quote = q[i];
  i++;
  while (i < q.length) {
    if (q[i] === '\\' && quote !== '`') {
      i += 2;
      continue;
    }
    if (q[i] === quote) return i + 1;
    i++;
  }
  return i;
}

/** The metric names a PromQL expression selects (a lexical scan, like the native module's). */
export function metricNamesInQuery(q) {
  const out = [];
  const seen = new Set();
  const add = (n) => {
    if (!seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  };
  const skipSpace = (i) => {
    while (i < q.length && ' \t\n\r'.includes(q[i])) i++;
    return i;
  };
  const closing = (i, open, close) => {
    let depth = 0;
    while (i < q.length) {
      const c = q[i];
      if (c === '"' || c === "'" || c === '`') {
        i = skipString(q, i);
        continue;
      }
      if (c === open) depth++;
      else if (c === close) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  };
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(q, i);
    } else if (c === '#') {
      while (i < q.length && q[i] !== '\n') i++;
    } else if (c === '{') {
      const end = closing(i, '{', '}');
      const inner = q.slice(i, end);
      NAME_MATCHER.lastIndex = 0;
      let m;
      while ((m = NAME_MATCHER.exec(inner)) !== null) add(m[1]);
      i = end;
    } else if (c === '[') {
      i = closing(i, '[', ']');
    } else if ((c >= '0' && c <= '9') || c === '.') {
      while (i < q.length && (isIdentPart(q[i]) || q[i] === '.')) i++;
    } else if (isIdentStart(c)) {
      const start = i;
      while (i < q.length && isIdentPart(q[i])) i++;
      const word = q.slice(start, i);
      const next = skipSpace(i);
      const lower = word.toLowerCase();
      if (GROUPING.has(lower) && q[next] === '(') {
        i = closing(next, '(', ')');
      } else if (KEYWORDS.has(lower)) {
        // a keyword
      } else if (q[next] === '(') {
        // a function call
      } else {
        add(word);
      }
    } else {
      i++;
    }
  }
  return out;
}

function levenshtein(a, b) {
  if (a.length < b.length) [a, b] = [b, a];
  let prev = [];
  let cur = [];
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

function tokenSet(s) {
  return new Set(s.toLowerCase().split(/[_:]/).filter((t) => t !== ''));
}

function jaccard(a, b) {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Up to n names of known close to name, best first (same scoring as the native module). */
export function suggestMetricNames(name, known, n) {
  const words = tokenSet(name);
  const cands = [];
  for (const k of known) {
    if (k === name) continue;
    const d = levenshtein(name, k);
    let score = 1 - d / Math.max(name.length, k.length);
    const j = jaccard(words, tokenSet(k));
    if (j > score) score = j;
    if (score >= 0.6) cands.push({ name: k, score, dist: d });
  }
  cands.sort((a, b) => b.score - a.score || a.dist - b.dist || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return cands.slice(0, n).map((c) => c.name);
}

// ---- the client -----------------------------------------------------------

function redactURL(raw) {
  return String(raw).replace(/^(\w+:\/\/)([^/@]*)@/, (all, scheme, userinfo) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? all : `${scheme}${userinfo.slice(0, colon)}:xxxxx@`;
  });
}

/** A failed call: the reason is a low-cardinality tag of prom_query_errors. */
class QueryError extends Error {
  constructor(op, query, reason, status, detail) {
    super(`${op === 'label_values' ? 'listing metric names' : `${op} ${JSON.stringify(query)}`} failed (${reason}${status ? `, HTTP ${status}` : ''}): ${detail}`);
    this.op = op;
    this.reason = reason;
    this.status = status;
  }
}

function seconds(v, what) {
  if (v instanceof Date) return v.getTime() / 1000;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '') {
    if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v);
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t / 1000;
  }
  throw new TypeError(`prom: ${what} ${JSON.stringify(v)} is not a time; want a Date, Unix seconds or an RFC 3339 string`);
}

function labelsKey(m) {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}\u0000${m[k]}`)
    .join('\u0001');
}

function byLabels(a, b) {
  const ka = labelsKey(a.metric);
  const kb = labelsKey(b.metric);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * A Prometheus client. config: {url, bearerToken?, timeout? ("10s"),
 * headers?}. Each failed call warns, returns an empty result and counts in
 * prom_query_errors.
 */
export class Client {
  constructor(config) {
    const c = config || {};
    const problems = [];
    const url = c.url === undefined || c.url === null ? '' : String(c.url);
    if (url === '') problems.push('url is required (Prometheus\'s base URL, e.g. http://127.0.0.1:9090)');
    else if (!/^https?:\/\/[^/?#]+/.test(url)) problems.push(`url ${JSON.stringify(redactURL(url))} must be an http or https URL with a host`);
    const timeout = durationMs(c.timeout, durationMs(DEFAULT_TIMEOUT), 'prom: timeout');
    const headers = {};
    if (isObject(c.headers)) {
      for (const k of Object.keys(c.headers)) {
        if (k === '' || /[\s:]/.test(k)) problems.push(`header name ${JSON.stringify(k)} is not a valid HTTP header name`);
        if (c.bearerToken && k.toLowerCase() === 'authorization') problems.push('set either bearerToken or the Authorization header, not both');
        headers[k] = String(c.headers[k]);
      }
    }
    if (problems.length > 0) throw new Error(`prom: invalid client config: ${problems.join('; ')}`);
    if (c.bearerToken) headers.Authorization = `Bearer ${c.bearerToken}`;
    this._base = url.replace(/\/+$/, '');
    this._shownURL = redactURL(this._base);
    this._timeout = timeout;
    this._headers = headers;
    this._secret = c.bearerToken ? String(c.bearerToken) : '';
    this._warned = new Set();
  }

  _scrub(s) {
    return this._secret ? String(s).split(this._secret).join('<redacted>') : String(s);
  }

  _params(op) {
    return {
      headers: this._headers,
      timeout: this._timeout,
      tags: { name: `prometheus ${op}` },
      responseCallback: ALWAYS_EXPECTED,
    };
  }

  _url(path, query) {
    const parts = [];
    for (const k of Object.keys(query)) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`);
    return `${this._base}${path}?${parts.join('&')}`;
  }

  // _decode turns a k6 response into the API's data, or throws a QueryError.
  _decode(res, op, q) {
    if (res.status === 0) {
      const code = res.error_code;
      const reason = code === 1050 || /timeout/i.test(res.error || '') ? 'timeout' : 'unreachable';
      throw new QueryError(op, q, reason, 0, reason === 'timeout' ? `timeout after ${this._timeout}ms` : this._scrub(res.error));
    }
    let body = null;
    try {
      body = JSON.parse(res.body);
    } catch (e) {
      body = null;
    }
    if (isObject(body) && body.status === 'success') return body.data;
    if (isObject(body) && body.status === 'error') {
      const reason = {
        bad_data: 'bad_query', timeout: 'timeout', canceled: 'canceled', client_error: 'client_error',
        not_found: 'client_error', server_error: 'server_error', execution: 'server_error',
        internal: 'server_error', unavailable: 'server_error',
      }[body.errorType] || 'bad_response';
      throw new QueryError(op, q, reason, res.status, this._scrub(body.error));
    }
    if (res.status >= 400) {
      const reason = res.status >= 500 ? 'server_error' : 'client_error';
      const hint = res.status === 401 || res.status === 403 ? ': check bearerToken and headers' : res.status < 500 ? ': check the url' : '';
      throw new QueryError(op, q, reason, res.status, `Prometheus at ${this._shownURL} answered HTTP ${res.status}${hint}`);
    }
    throw new QueryError(op, q, 'bad_response', res.status, `the answer of ${this._shownURL} is not a Prometheus API response`);
  }

  _get(op, path, query, q) {
    return this._decode(request('GET', this._url(path, query), null, this._params(op)), op, q);
  }

  // _fail warns (once per op and reason), counts the error and returns empty.
  _fail(err, empty) {
    if (!(err instanceof QueryError)) throw err;
    queryErrors.add(1, { op: err.op, reason: err.reason });
    const key = `${err.op}\u0000${err.reason}`;
    if (!this._warned.has(key)) {
      this._warned.add(key);
      console.warn(`prom: ${this._scrub(err.message)} (Prometheus at ${this._shownURL}; further ${err.op} errors of this kind are only counted in prom_query_errors)`);
    }
    return empty;
  }

  _warnEmpty(q) {
    const key = `empty\u0000${q}`;
    if (this._warned.has(key)) return;
    this._warned.add(key);
    console.warn(this._emptyHint(q));
  }

  _emptyHint(q) {
    const prefix = `prom: query ${JSON.stringify(q)} returned no series`;
    const names = metricNamesInQuery(q);
    if (names.length === 0) return prefix;
    let known;
    try {
      known = this._get('label_values', '/api/v1/label/__name__/values', {}, '__name__');
    } catch (e) {
      if (!(e instanceof QueryError)) throw e;
      return `${prefix} (metric names could not be listed to suggest alternatives: ${this._scrub(e.message)})`;
    }
    known = Array.isArray(known) ? known.map(String).sort() : [];
    const knownSet = new Set(known);
    const parts = [];
    for (const n of names) {
      if (knownSet.has(n)) continue;
      const s = suggestMetricNames(n, known, 3);
      parts.push(s.length > 0
        ? `metric ${JSON.stringify(n)} does not exist in Prometheus at ${this._shownURL}; did you mean ${s.join(' or ')}?`
        : `metric ${JSON.stringify(n)} does not exist in Prometheus at ${this._shownURL} and no similar name was found`);
    }
    if (parts.length === 0) return `${prefix}: its metrics exist, so check the label matchers and the time range`;
    return `${prefix}: ${parts.join('; ')}`;
  }

  _instant(op, q, time) {
    if (typeof q !== 'string' || q.trim() === '') throw new QueryError(op, q, 'bad_query', 0, 'the query is empty');
    const t = time === undefined || time === null ? Date.now() / 1000 : seconds(time, 'time');
    return this._get(op, '/api/v1/query', { query: q, time: String(t) }, q);
  }

  /**
   * Evaluates q at opts.time (default now): [{metric, value, timestamp}],
   * one per series sorted by labels; [] on no series or an error.
   */
  query(q, opts) {
    const o = opts || {};
    try {
      const data = this._instant('query', q, o.time);
      let out;
      if (data.resultType === 'vector') {
        out = data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]), timestamp: s.value[0] }));
      } else if (data.resultType === 'scalar') {
        out = [{ metric: {}, value: Number(data.result[1]), timestamp: data.result[0] }];
      } else if (data.resultType === 'matrix') {
        throw new QueryError('query', q, 'bad_query', 0, `the query returns a range vector; use a range query, or wrap it in a function such as rate(${q})`);
      } else {
        throw new QueryError('query', q, 'bad_response', 0, `unsupported result type ${JSON.stringify(data.resultType)}`);
      }
      out.sort(byLabels);
      if (out.length === 0) this._warnEmpty(q);
      return out;
    } catch (e) {
      return this._fail(e, []);
    }
  }

  /**
   * Evaluates q from opts.start to opts.end every opts.step: [{metric,
   * values: [[t, v], ...]}] sorted by labels; [] on no series or an error.
   */
  queryRange(q, opts) {
    const o = opts || {};
    try {
      if (typeof q !== 'string' || q.trim() === '') throw new QueryError('query_range', q, 'bad_query', 0, 'the query is empty');
      const start = seconds(o.start, 'start');
      const end = seconds(o.end, 'end');
      const step = durationMs(o.step, undefined, 'prom: step') / 1000;
      if (!(step > 0)) throw new QueryError('query_range', q, 'bad_query', 0, `step ${JSON.stringify(o.step)} must be positive`);
      if (end < start) throw new QueryError('query_range', q, 'bad_query', 0, 'end is before start');
      const data = this._get('query_range', '/api/v1/query_range', { query: q, start: String(start), end: String(end), step: String(step) }, q);
      if (data.resultType !== 'matrix') {
        throw new QueryError('query_range', q, 'bad_response', 0, `unsupported result type ${JSON.stringify(data.resultType)}`);
      }
      const out = data.result.map((s) => ({ metric: s.metric, values: s.values.map((p) => [p[0], Number(p[1])]) }));
      out.sort(byLabels);
      if (out.length === 0) this._warnEmpty(q);
      return out;
    } catch (e) {
      return this._fail(e, []);
    }
  }

  /**
   * Evaluates q now as one number: a scalar, or a one-series vector. NaN on
   * no series or an error; several series are an error (aggregate them).
   */
  scalar(q) {
    try {
      const data = this._instant('scalar', q);
      if (data.resultType === 'scalar') return Number(data.result[1]);
      if (data.resultType === 'vector') {
        if (data.result.length === 0) {
          this._warnEmpty(q);
          return NaN;
        }
        if (data.result.length === 1) return Number(data.result[0].value[1]);
        throw new QueryError('scalar', q, 'not_scalar', 0, `the query returns ${data.result.length} series, not one; aggregate them, e.g. sum(${q})`);
      }
      throw new QueryError('scalar', q, 'bad_query', 0, `the query returns a ${data.resultType}, not a number`);
    } catch (e) {
      return this._fail(e, NaN);
    }
  }

  /**
   * {name: value} for each query, evaluated now (in parallel): the sum over
   * the series it returns, NaN on none or an error. queries: an array of
   * PromQL (each named after itself) or an object {name: PromQL}; default
   * the four seed metrics.
   */
  snapshot(queries) {
    let named = {};
    if (queries === undefined || queries === null) {
      for (const q of DEFAULT_SNAPSHOT_QUERIES) named[q] = q;
    } else if (Array.isArray(queries)) {
      for (const q of queries) named[String(q)] = String(q);
    } else if (isObject(queries)) {
      named = Object.assign({}, queries);
    } else {
      throw new TypeError('prom: snapshot(queries): queries must be an array of PromQL expressions or an object {name: expression}');
    }
    const names = Object.keys(named);
    const t = String(Date.now() / 1000);
    const reqs = names.map((n) => ['GET', this._url('/api/v1/query', { query: named[n], time: t }), null, this._params('snapshot')]);
    const responses = reqs.length > 0 ? batch(reqs) : [];
    const out = {};
    names.forEach((n, i) => {
      const q = named[n];
      try {
        if (String(q).trim() === '') throw new QueryError('snapshot', q, 'bad_query', 0, 'the query is empty');
        const data = this._decode(responses[i], 'snapshot', q);
        if (data.resultType === 'scalar') {
          out[n] = Number(data.result[1]);
        } else if (data.resultType === 'vector') {
          if (data.result.length === 0) {
            this._warnEmpty(q);
            out[n] = NaN;
          } else {
            out[n] = data.result.reduce((sum, s) => sum + Number(s.value[1]), 0);
          }
        } else {
          throw new QueryError('snapshot', q, 'bad_query', 0, `the query returns a ${data.resultType}, not a number or an instant vector`);
        }
      } catch (e) {
        out[n] = this._fail(e, NaN);
      }
    });
    return out;
  }

  /** after - before for every name of either snapshot; NaN where one side lacks it. */
  diff(before, after) {
    return diff(before, after);
  }
}

/** after - before for every name of either snapshot; NaN where one side lacks it. */
export function diff(before, after) {
  const b = before || {};
  const a = after || {};
  const out = {};
  for (const k of Object.keys(a)) out[k] = k in b ? Number(a[k]) - Number(b[k]) : NaN;
  for (const k of Object.keys(b)) if (!(k in a)) out[k] = NaN;
  return out;
}

export default { Client, diff, DEFAULT_SNAPSHOT_QUERIES, DEFAULT_TIMEOUT };
