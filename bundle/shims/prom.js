// k6/x/prom for stock k6: Stampede's pure-JS shim of its native Prometheus
// query module, built on k6/http and k6/metrics, with the same exports,
// arguments, results, warnings and prom_query_errors counter.
//
// Prometheus being down, slow or answering errors never fails the load test:
// each failed call logs a warning (once per client configuration, operation
// and reason; never with the bearer token), adds 1 to prom_query_errors
// (tagged op and reason) and returns an empty result ([] or NaN). A query
// that returns no series warns once, suggesting close metric names from
// /api/v1/label/__name__/values.
//
// Differences from the native module, forced by stock k6: requests go
// through k6/http, so they appear in http_reqs and http_req_duration (tagged
// name "prometheus <op>"; never in http_req_failed nor in the
// expected_response sub-metrics), and they cannot be sent from the init
// context.
import { request, batch } from 'k6/http';
import { Counter } from 'k6/metrics';
import { durationMs, formatDuration, isObject, nullish, redactURL } from './_common.js';

export const DEFAULT_TIMEOUT = '10s';

/** The seed metrics snapshot() reads when given no queries. */
export const DEFAULT_SNAPSHOT_QUERIES = [
  'redis_connected_clients',
  'redis_used_memory_bytes',
  'pg_stat_database_xact_commit',
  'pg_stat_database_blks_read',
];

const QUERY_ERRORS = 'prom_query_errors';
const queryErrors = new Counter(QUERY_ERRORS);


// ---- "did you mean" (the native module's algorithm) ------------------------

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

/**
 * The metric names a PromQL expression selects, in order of appearance:
 * bare selectors and {__name__="x"} matchers (a lexical scan).
 */
export function metricNamesInQuery(q) {
  q = String(q);
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
      } else if (!KEYWORDS.has(lower) && q[next] !== '(') {
        add(word); // not a keyword, not a function call
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

/**
 * Up to n (default 3) names of known close to name, best first: the larger
 * of word overlap and edit-distance similarity, at least 0.6.
 */
export function suggestMetricNames(name, known, n) {
  name = String(name);
  const limit = nullish(n) ? 3 : Math.trunc(Number(n));
  const words = tokenSet(name);
  const cands = [];
  for (const k of known || []) {
    const s = String(k);
    if (s === name) continue;
    const d = levenshtein(name, s);
    let score = 1 - d / Math.max(name.length, s.length);
    const j = jaccard(words, tokenSet(s));
    if (j > score) score = j;
    if (score >= 0.6) cands.push({ name: s, score, dist: d });
  }
  cands.sort((a, b) => b.score - a.score || a.dist - b.dist || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return cands.slice(0, Math.max(limit, 0)).map((c) => c.name);
}

// ---- errors ----------------------------------------------------------------

// A failed call; reason is one of timeout, unreachable, server_error,
// client_error, bad_query, bad_response, not_scalar.
class QueryError extends Error {
  constructor(client, op, query, reason, status, cause) {
    const what = op === 'label_values' ? 'listing metric names' : `${op} ${JSON.stringify(String(query))}`;
    let detail = reason;
    if (reason === 'timeout') detail = `timeout after ${formatDuration(client.timeout)}`;
    else if (reason === 'client_error' && (status === 401 || status === 403)) detail = `${reason}, HTTP ${status}: check bearerToken and headers`;
    else if (reason === 'client_error' && status) detail = `${reason}, HTTP ${status}: check the url`;
    else if (reason === 'server_error' && status) detail = `${reason}, HTTP ${status}`;
    super(`prom: ${what} against ${client.shownURL} failed (${detail}): ${client.scrub(cause)}`);
    this.op = op;
    this.reason = reason;
    this.status = status;
  }
}

// Prometheus's errorType values -> reasons (as the native client classifies them).
const ERROR_TYPES = {
  bad_data: 'bad_query',
  timeout: 'timeout',
  canceled: 'canceled',
  client_error: 'client_error',
  not_found: 'client_error',
  server_error: 'server_error',
  execution: 'server_error',
  internal: 'server_error',
  unavailable: 'server_error',
};

// ---- the client --------------------------------------------------------------


function describe(v) {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

// seconds reads a time argument: a Date, Unix seconds (number or numeric
// string) or a date string Date.parse understands.
function seconds(v, what) {
  if (v instanceof Date) return v.getTime() / 1000;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s !== '' && Number.isFinite(Number(s))) return Number(s);
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return t / 1000;
  }
  throw new TypeError(`prom: ${what} ${describe(v)} is not a time; want a Date, Unix seconds or an RFC 3339 string`);
}

function labelsKey(m) {
  let s = '';
  for (const k of Object.keys(m).sort()) s += `${k}\u0000${m[k]}\u0001`;
  return s;
}

function byLabels(a, b) {
  const ka = labelsKey(a.metric);
  const kb = labelsKey(b.metric);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function sortedLabels(m) {
  const out = {};
  for (const k of Object.keys(m || {}).sort()) out[k] = m[k];
  return out;
}

// Warnings already given, per client configuration (clients of a VU with the
// same options share them, as the native module's clients of a run do).
const warnedByConfig = {};

function parseConfig(config) {
  if (nullish(config)) return { problems: ["url is required (Prometheus's base URL, e.g. http://127.0.0.1:9090)"] };
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError("prom: new Client(config): config must be an object such as {url: 'http://127.0.0.1:9090'}");
  }
  const validation = [];
  const options = [];
  for (const k of Object.keys(config)) {
    if (!['url', 'bearerToken', 'timeout', 'headers'].includes(k)) {
      options.push(`option ${JSON.stringify(k)} is unknown; known options: url, bearerToken, timeout, headers`);
    }
  }
  const url = nullish(config.url) ? '' : String(config.url);
  const token = nullish(config.bearerToken) ? '' : String(config.bearerToken);
  if (url === '') {
    validation.push("url is required (Prometheus's base URL, e.g. http://127.0.0.1:9090)");
  } else {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(url);
    if (!m) validation.push(`url ${JSON.stringify(redactURL(url))} must use http or https`);
    else if (!['http', 'https'].includes(m[1].toLowerCase())) validation.push(`url ${JSON.stringify(redactURL(url))} must use http or https`);
    else if (m[2].replace(/^.*@/, '') === '') validation.push(`url ${JSON.stringify(redactURL(url))} has no host`);
  }
  let timeout = durationMs(DEFAULT_TIMEOUT);
  if (!nullish(config.timeout)) {
    try {
      timeout = durationMs(config.timeout) || timeout; // 0 means the default, as natively
    } catch (e) {
      options.push(`timeout: ${e.message}`);
    }
  }
  const headers = {};
  if (!nullish(config.headers)) {
    if (typeof config.headers !== 'object' || Array.isArray(config.headers)) {
      options.push("headers must be an object such as {'X-Scope-OrgID': 'team-a'}");
    } else {
      for (const k of Object.keys(config.headers)) {
        if (k === '' || /[ \t\r\n:]/.test(k)) validation.push(`header name ${JSON.stringify(k)} is not a valid HTTP header name`);
        if (token !== '' && k.toLowerCase() === 'authorization') validation.push('set either bearerToken or the Authorization header, not both');
        headers[k] = String(config.headers[k]);
      }
    }
  }
  return { url, token, timeout, headers, problems: validation.concat(options) };
}

/**
 * A Prometheus client: new Client({url, bearerToken?, timeout?, headers?}).
 * timeout is a k6 duration or milliseconds (default "10s").
 */
export class Client {
  constructor(config) {
    const cfg = parseConfig(config);
    if (cfg.problems.length > 0) throw new Error(`prom: invalid client config: ${cfg.problems.join('; ')}`);
    const headers = Object.assign({}, cfg.headers);
    if (cfg.token !== '') headers.Authorization = `Bearer ${cfg.token}`;
    const key = [cfg.url, cfg.token, cfg.timeout, JSON.stringify(sortedLabels(cfg.headers))].join('\u0000');
    if (!warnedByConfig[key]) warnedByConfig[key] = new Set();
    const c = {
      base: cfg.url.replace(/\/+$/, ''),
      shownURL: redactURL(cfg.url),
      timeout: cfg.timeout,
      headers,
      token: cfg.token,
      warned: warnedByConfig[key],
      scrub: (s) => (cfg.token ? String(s).split(cfg.token).join('<redacted>') : String(s)),
    };
    const methods = {
      query: (q, opts) => query(c, q, opts),
      queryRange: (q, opts) => queryRange(c, q, opts),
      scalar: (q) => scalar(c, q),
      snapshot: (queries) => snapshot(c, queries),
      diff,
    };
    for (const name of Object.keys(methods)) {
      Object.defineProperty(this, name, { value: methods[name], writable: false, enumerable: false, configurable: true });
    }
    Object.defineProperty(this, 'url', { value: c.shownURL, writable: false, enumerable: true, configurable: true });
  }
}

// Requests to Prometheus are the test's instruments, not the system under
// test: responseCallback null keeps them out of http_req_failed and of the
// expected_response sub-metrics. responseType text keeps the body even
// with the discardResponseBodies option.
function params(c, op) {
  return { headers: c.headers, timeout: c.timeout, tags: { name: `prometheus ${op}` }, responseCallback: null, responseType: 'text' };
}

function apiURL(c, path, query) {
  const parts = [];
  for (const k of Object.keys(query)) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`);
  return `${c.base}${path}${parts.length > 0 ? `?${parts.join('&')}` : ''}`;
}

// send makes one request; k6/http refuses requests in the init context,
// which the native module allows: say so.
function send(op, fn) {
  try {
    return fn();
  } catch (e) {
    throw new Error(`prom: ${op}: ${e && e.message ? e.message : e}; on stock k6, k6/x/prom cannot query Prometheus in the init context: query in setup(), the default function or teardown()`);
  }
}

// excerpt returns s on one line, cut to at most n characters.
function excerpt(s, n) {
  const t = String(s).split(/\s+/).filter((w) => w !== '').join(' ');
  return t.length > n ? `${t.slice(0, n)}...` : t;
}

// apiError throws the QueryError of a Prometheus API error (errorType and
// message), classified and worded like the native client's.
function apiError(c, op, q, type, msg, detail) {
  const m = /^(?:client error: |server error: |bad response code )(\d+)/.exec(msg);
  const status = m ? Number(m[1]) : 0;
  let text = `${type}: ${msg}`;
  if (detail) text += `: ${excerpt(detail, 200)}`;
  throw new QueryError(c, op, q, ERROR_TYPES[type] || 'bad_response', status, text);
}

// genericError: an HTTP error status without a Prometheus error body.
function genericError(c, op, q, code, body) {
  const cls = Math.floor(code / 100);
  if (cls === 4) apiError(c, op, q, 'client_error', `client error: ${code}`, body);
  if (cls === 5) apiError(c, op, q, 'server_error', `server error: ${code}`, body);
  apiError(c, op, q, 'bad_response', `bad response code ${code}`, body);
}

// jsonError words a JSON syntax error like Go's encoding/json.
function jsonError(body) {
  const t = String(body).trim();
  if (t === '') return 'unexpected end of JSON input';
  if (!'{["-0123456789tfn'.includes(t[0])) return `invalid character '${t[0]}' looking for beginning of value`;
  return 'the answer is not valid JSON';
}

// decode turns a k6/http response into the API's data, or throws a
// QueryError classified like the native client's errors.
function decode(c, res, op, q) {
  if (res.status === 0) {
    const timedOut = res.error_code === 1050 || /timeout|deadline/i.test(res.error || '');
    throw new QueryError(c, op, q, timedOut ? 'timeout' : 'unreachable', 0, res.error || 'no answer');
  }
  const code = res.status;
  const text = res.body === null || res.body === undefined ? '' : String(res.body);
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    body = undefined;
  }
  if (Math.floor(code / 100) !== 2) {
    if ((code !== 400 && code !== 422) || !isObject(body)) genericError(c, op, q, code, text);
    if (body.status === 'success') apiError(c, op, q, 'bad_response', 'inconsistent body for response code');
    apiError(c, op, q, body.errorType || 'client_error', body.error || `client error: ${code}`);
  }
  if (body === undefined) apiError(c, op, q, 'bad_response', jsonError(text));
  if (!isObject(body)) apiError(c, op, q, 'bad_response', 'the answer is not a Prometheus API response');
  if (body.status === 'error') apiError(c, op, q, body.errorType, body.error);
  if (!isObject(body.data) && !Array.isArray(body.data)) apiError(c, op, q, 'bad_response', 'the answer has no data');
  return body.data;
}

function get(c, op, path, query, q) {
  const res = send(op, () => request('GET', apiURL(c, path, query), null, params(c, op)));
  return decode(c, res, op, q);
}

// fail reports a failed call and returns empty: a prom_query_errors sample
// (op, reason) and a warning once per (op, reason) per configuration.
function fail(c, err, empty) {
  if (!(err instanceof QueryError)) throw err;
  if (err.reason === 'canceled') return empty;
  queryErrors.add(1, { op: err.op, reason: err.reason });
  const key = `${err.op}\u0000${err.reason}`;
  if (!c.warned.has(key)) {
    c.warned.add(key);
    console.warn(`${err.message} (further ${err.op} errors of this kind are only counted in ${QUERY_ERRORS})`);
  }
  return empty;
}

function warnEmpty(c, q) {
  const key = `empty\u0000${q}`;
  if (c.warned.has(key)) return;
  c.warned.add(key);
  console.warn(emptyResultHint(c, q));
}

function emptyResultHint(c, q) {
  const prefix = `prom: query ${JSON.stringify(q)} returned no series`;
  const names = metricNamesInQuery(q);
  if (names.length === 0) return prefix;
  let known;
  try {
    known = get(c, 'label_values', '/api/v1/label/__name__/values', {}, '__name__');
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    return `${prefix} (metric names could not be listed to suggest alternatives: ${e.message})`;
  }
  known = (Array.isArray(known) ? known.map(String) : []).sort();
  const knownSet = new Set(known);
  const parts = [];
  for (const n of names) {
    if (knownSet.has(n)) continue;
    const s = suggestMetricNames(n, known, 3);
    parts.push(s.length > 0
      ? `metric ${JSON.stringify(n)} does not exist in Prometheus at ${c.shownURL}; did you mean ${s.join(' or ')}?`
      : `metric ${JSON.stringify(n)} does not exist in Prometheus at ${c.shownURL} and no similar name was found`);
  }
  if (parts.length === 0) return `${prefix}: its metrics exist, so check the label matchers and the time range`;
  return `${prefix}: ${parts.join('; ')}`;
}

function instant(c, op, q, t) {
  if (String(q).trim() === '') throw new QueryError(c, op, q, 'bad_query', 0, 'the query is empty');
  return get(c, op, '/api/v1/query', { query: String(q), time: String(t === undefined ? Date.now() / 1000 : t) }, q);
}

function sample(s) {
  return { metric: sortedLabels(s.metric), value: Number(s.value[1]), timestamp: Number(s.value[0]) };
}

/**
 * query(q, {time?}): [{metric, value, timestamp}] (Unix seconds), one per
 * series, sorted by labels; a scalar is one sample with no labels.
 */
function query(c, q, opts) {
  q = String(q);
  let t;
  if (isObject(opts) && !nullish(opts.time)) t = seconds(opts.time, 'time');
  try {
    const data = instant(c, 'query', q, t);
    let out;
    if (data.resultType === 'vector') {
      out = data.result.map(sample);
    } else if (data.resultType === 'scalar') {
      out = [{ metric: {}, value: Number(data.result[1]), timestamp: Number(data.result[0]) }];
    } else if (data.resultType === 'matrix') {
      throw new QueryError(c, 'query', q, 'bad_query', 0, `the query returns a range vector; use a range query, or wrap it in a function such as rate(${q})`);
    } else {
      throw new QueryError(c, 'query', q, 'bad_response', 0, `unsupported result type ${JSON.stringify(data.resultType)}`);
    }
    out.sort(byLabels);
    if (out.length === 0) warnEmpty(c, q);
    return out;
  } catch (e) {
    return fail(c, e, []);
  }
}

/** queryRange(q, {start, end, step}): [{metric, values: [[t, v], ...]}] sorted by labels. */
function queryRange(c, q, opts) {
  q = String(q);
  if (!isObject(opts)) throw new TypeError('prom: queryRange(query, {start, end, step}): the options object is required');
  const start = seconds(opts.start, 'start');
  const end = seconds(opts.end, 'end');
  let step = 0;
  if (!nullish(opts.step)) {
    try {
      step = durationMs(opts.step);
    } catch (e) {
      throw new TypeError(`prom: queryRange step: ${e.message}`);
    }
  }
  try {
    if (step <= 0) throw new QueryError(c, 'query_range', q, 'bad_query', 0, `step ${formatDuration(step)} must be positive`);
    if (end < start) {
      const iso = (s) => new Date(Math.floor(s) * 1000).toISOString().replace('.000Z', 'Z');
      throw new QueryError(c, 'query_range', q, 'bad_query', 0, `end ${iso(end)} is before start ${iso(start)}`);
    }
    const data = get(c, 'query_range', '/api/v1/query_range', { query: q, start: String(start), end: String(end), step: String(step / 1000) }, q);
    if (data.resultType !== 'matrix') {
      throw new QueryError(c, 'query_range', q, 'bad_response', 0, `unsupported result type ${JSON.stringify(data.resultType)}`);
    }
    const out = data.result.map((s) => ({ metric: sortedLabels(s.metric), values: s.values.map((p) => [Number(p[0]), Number(p[1])]) }));
    out.sort(byLabels);
    if (out.length === 0) warnEmpty(c, q);
    return out;
  } catch (e) {
    return fail(c, e, []);
  }
}

/**
 * scalar(q): one number, from a scalar or a one-series vector; NaN on no
 * series or an error (several series are an error: aggregate them).
 */
function scalar(c, q) {
  q = String(q);
  try {
    const data = instant(c, 'scalar', q);
    if (data.resultType === 'scalar') return Number(data.result[1]);
    if (data.resultType === 'vector') {
      if (data.result.length === 0) {
        warnEmpty(c, q);
        return NaN;
      }
      if (data.result.length === 1) return Number(data.result[0].value[1]);
      throw new QueryError(c, 'scalar', q, 'not_scalar', 0, `the query returns ${data.result.length} series, not one; aggregate them, e.g. sum(${q})`);
    }
    throw new QueryError(c, 'scalar', q, 'bad_query', 0, `the query returns a ${data.resultType}, not a number`);
  } catch (e) {
    return fail(c, e, NaN);
  }
}

/**
 * snapshot(queries?): {name: value} evaluated now, in parallel (http.batch):
 * the sum over the series each query returns, NaN on none or an error.
 * queries: PromQL strings (each named after itself) or {name: PromQL};
 * default DEFAULT_SNAPSHOT_QUERIES.
 */
function snapshot(c, queries) {
  const names = [];
  const named = {};
  if (nullish(queries)) {
    for (const q of DEFAULT_SNAPSHOT_QUERIES) {
      names.push(q);
      named[q] = q;
    }
  } else if (Array.isArray(queries)) {
    for (const v of queries) {
      const q = String(v);
      if (!(q in named)) names.push(q);
      named[q] = q;
    }
  } else if (typeof queries === 'object') {
    for (const k of Object.keys(queries)) {
      names.push(k);
      named[k] = String(queries[k]);
    }
  } else {
    throw new TypeError('prom: snapshot(queries): queries must be an array of PromQL expressions or an object {name: expression}');
  }
  const t = String(Date.now() / 1000);
  const sent = names.filter((n) => named[n].trim() !== '');
  const responses = sent.length === 0 ? [] : send('snapshot', () => batch(sent.map((n) => ['GET', apiURL(c, '/api/v1/query', { query: named[n], time: t }), null, params(c, 'snapshot')])));
  const out = {};
  for (const n of names) {
    const q = named[n];
    try {
      if (q.trim() === '') throw new QueryError(c, 'snapshot', q, 'bad_query', 0, 'the query is empty');
      const data = decode(c, responses[sent.indexOf(n)], 'snapshot', q);
      if (data.resultType === 'scalar') {
        out[n] = Number(data.result[1]);
      } else if (data.resultType === 'vector') {
        if (data.result.length === 0) {
          warnEmpty(c, q);
          out[n] = NaN;
        } else {
          out[n] = data.result.reduce((sum, s) => sum + Number(s.value[1]), 0);
        }
      } else {
        throw new QueryError(c, 'snapshot', q, 'bad_query', 0, `the query returns a ${data.resultType}, not a number or an instant vector`);
      }
    } catch (e) {
      out[n] = fail(c, e, NaN);
    }
  }
  return out;
}

/**
 * diff(before, after): after - before for every name of either snapshot
 * (after's names first); NaN where one side lacks the name.
 */
export function diff(before, after) {
  const b = nullish(before) ? {} : Object(before);
  const a = nullish(after) ? {} : Object(after);
  const out = {};
  for (const k of Object.keys(a)) out[k] = Object.prototype.hasOwnProperty.call(b, k) ? Number(a[k]) - Number(b[k]) : NaN;
  for (const k of Object.keys(b)) if (!Object.prototype.hasOwnProperty.call(a, k)) out[k] = NaN;
  return out;
}

export default { Client, diff, DEFAULT_SNAPSHOT_QUERIES, DEFAULT_TIMEOUT };
