// Reading and validating the scenarios' environment variables.
//
// Every knob is read once, in the init context; a bad value stops the run
// there with a message naming the variable, the value and what is allowed.

const EMBEDDED_HINT =
  'set it, or let Stampede start the reference API for you: stampede run --embedded-target <script>';

function fail(msg) {
  throw new Error(msg);
}

/** The raw value of name, or undefined when unset or empty. */
export function raw(name) {
  const v = __ENV[name];
  return v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim();
}

/** A required variable; stops the run naming it when missing. */
export function required(name, what) {
  const v = raw(name);
  if (v === undefined) {
    fail(`${name} is required (${what}); ${EMBEDDED_HINT}`);
  }
  return v;
}

/** A number >= min (default 0); integer when opts.integer. */
export function number(name, def, opts = {}) {
  const v = raw(name);
  if (v === undefined) return def;
  const n = Number(v);
  const min = opts.min === undefined ? 0 : opts.min;
  if (!Number.isFinite(n)) fail(`${name}=${JSON.stringify(v)} is not a number`);
  if (opts.integer && !Number.isInteger(n)) fail(`${name}=${JSON.stringify(v)} must be a whole number`);
  if (n < min) fail(`${name}=${JSON.stringify(v)} must be at least ${min}`);
  if (opts.max !== undefined && n > opts.max) fail(`${name}=${JSON.stringify(v)} must be at most ${opts.max}`);
  return n;
}

/** A flag: "1"/"true"/"yes" or "0"/"false"/"no". */
export function flag(name, def) {
  const v = raw(name);
  if (v === undefined) return def;
  const s = v.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  return fail(`${name}=${JSON.stringify(v)} must be 1 or 0 (true or false)`);
}

// No regular expressions in this file: a regex evaluated in the init context
// makes sobek build RegExp.prototype in every VU (~15 KB each), which is a
// tenth of a VU's memory at 10,000 VUs.

function isDigit(c) {
  return c >= '0' && c <= '9';
}

/**
 * The numbers of a k6 duration string such as "1m30s" or "1.5h" ([1, 30],
 * [1.5]), or null when it is not one: numbers, each followed by ms, s, m or h.
 */
function durationNumbers(s) {
  const numbers = [];
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (isDigit(s[j])) j++;
    if (j === i) return null;
    if (s[j] === '.') {
      const frac = ++j;
      while (isDigit(s[j])) j++;
      if (j === frac) return null;
    }
    const unit = s.startsWith('ms', j) ? 'ms' : s[j];
    if (unit !== 'ms' && unit !== 's' && unit !== 'm' && unit !== 'h') return null;
    numbers.push(Number(s.slice(i, j)));
    i = j + unit.length;
  }
  return numbers.length > 0 ? numbers : null;
}

/** A k6 duration string such as "30s", "10m" or "1m30s"; "0" means zero. */
export function duration(name, def) {
  const v = raw(name);
  if (v === undefined) return def;
  if (v === '0') return '0s';
  if (durationNumbers(v) === null) fail(`${name}=${JSON.stringify(v)} is not a duration; use values like 30s, 10m or 1m30s`);
  return v;
}

/** One of the allowed values. */
export function oneOf(name, def, allowed) {
  const v = raw(name);
  if (v === undefined) return def;
  if (!allowed.includes(v)) fail(`${name}=${JSON.stringify(v)} is not allowed; use one of ${allowed.join(', ')}`);
  return v;
}

/** Whether a k6 duration string is zero ("0s", "0m"). */
export function isZero(d) {
  const numbers = durationNumbers(d);
  return numbers !== null && numbers.every((n) => n === 0);
}

function withoutTrailingSlashes(url) {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

/**
 * The settings every scenario shares. modeDefault is the scenario's default
 * QUEUE_MODE.
 */
export function common(modeDefault) {
  const cfg = {
    baseUrl: withoutTrailingSlashes(required('BASE_URL', 'the staging API to test, e.g. https://staging.example.com')),
    webhookSecret: required('STRIPE_WEBHOOK_SECRET', "the Stripe webhook endpoint's signing secret (whsec_...)"),
    region: raw('QUEUE_REGION') || 'australiaCentral',
    mode: oneOf('QUEUE_MODE', modeDefault, ['isolated', 'shared']),
    useSimple: flag('USE_SIMPLE', false),
    thinkMin: number('THINK_TIME_MIN', 1),
    thinkMax: number('THINK_TIME_MAX', 3),
    prometheusUrl: raw('PROMETHEUS_URL'),
    prometheusToken: raw('PROMETHEUS_BEARER_TOKEN'),
  };
  if (!cfg.baseUrl.startsWith('http://') && !cfg.baseUrl.startsWith('https://')) {
    fail(`BASE_URL=${JSON.stringify(cfg.baseUrl)} must start with http:// or https://`);
  }
  if (cfg.region.length > 64) fail(`QUEUE_REGION is ${cfg.region.length} characters long; at most 64 are allowed`);
  if (cfg.thinkMax < cfg.thinkMin) {
    fail(`THINK_TIME_MAX=${cfg.thinkMax} must not be less than THINK_TIME_MIN=${cfg.thinkMin}`);
  }
  return cfg;
}

/** Seconds to think: uniform in [min, max]. */
export function thinkTime(cfg) {
  return cfg.thinkMin + Math.random() * (cfg.thinkMax - cfg.thinkMin);
}
