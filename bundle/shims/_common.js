// Helpers shared by Stampede's k6/x shims. Pure JavaScript; imports nothing.

const UNIT_MS = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 };
const DURATION = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/g;

/**
 * Parses a k6 duration string ("250ms", "1m30s", "1d2h", or bare seconds
 * such as "1.5") into milliseconds, as Stampede's config.ParseDuration does.
 * Throws an Error for anything else.
 */
export function parseDuration(s) {
  const t = String(s).trim();
  if (t === '') throw new Error('invalid duration: empty string');
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) return Number(t) * 1000;
  if (!DURATION.test(t)) {
    throw new Error(`invalid duration ${JSON.stringify(t)}: expected a value like 30s, 1m30s or 1d2h`);
  }
  let total = 0;
  DURATION_PART.lastIndex = 0;
  let m;
  while ((m = DURATION_PART.exec(t)) !== null) total += Number(m[1]) * UNIT_MS[m[2]];
  return t[0] === '-' ? -total : total;
}

/**
 * Milliseconds of a non-negative duration option: a k6 duration string or a
 * number of milliseconds. undefined and null give def. Throws a message
 * without the option's name (callers prefix it).
 */
export function durationMs(v, def) {
  if (v === undefined || v === null) return def;
  let ms;
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v < 0) throw new Error(`${v} must not be negative`);
    if (!Number.isFinite(v) || v < 0) {
      throw new Error(`${v} is not a duration; want a non-negative number of milliseconds or a string such as "250ms"`);
    }
    ms = v;
  } else if (typeof v === 'string') {
    ms = parseDuration(v);
    if (ms < 0) throw new Error(`${JSON.stringify(v)} must not be negative`);
  } else {
    throw new Error(`${String(v)} is not a duration; use a string such as "30s" or a number of milliseconds`);
  }
  return ms;
}

/** Go's rendering of a duration of ms milliseconds ("250ms", "1.5s", "1m30s"). */
export function formatDuration(ms) {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${+ms.toFixed(6)}ms`;
  let s = ms / 1000;
  let out = '';
  if (s >= 3600) {
    out += `${Math.floor(s / 3600)}h`;
    s %= 3600;
  }
  if (out !== '' || s >= 60) {
    out += `${Math.floor(s / 60)}m`;
    s %= 60;
  }
  return `${out}${+s.toFixed(9)}s`;
}

/** Whether v is a plain object (not null, not an array). */
export function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether v is undefined or null. */
export function nullish(v) {
  return v === undefined || v === null;
}

/**
 * A URL for messages, as Go's url.URL.Redacted shows it: a password
 * becomes "xxxxx", and a URL that is only a scheme ("http://") shows as
 * "http:".
 */
export function redactURL(raw) {
  const s = String(raw);
  const bare = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/$/.exec(s);
  if (bare) return `${bare[1].toLowerCase()}:`;
  return s.replace(/^(\w+:\/\/)([^/@]*)@/, (all, scheme, userinfo) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? all : `${scheme}${userinfo.slice(0, colon)}:xxxxx@`;
  });
}
