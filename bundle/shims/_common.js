// Helpers shared by Stampede's k6/x shims. Pure JavaScript; imports nothing.

const UNIT_MS = { ms: 1, s: 1000, m: 60000, h: 3600000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/**
 * Milliseconds of a duration: a k6 duration string ("250ms", "1m30s", "2h")
 * or a number of milliseconds. undefined and null give def. what names the
 * option in errors.
 */
export function durationMs(v, def, what) {
  if (v === undefined || v === null) return def;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) {
      throw new TypeError(`${what}: ${v} is not a duration; want a non-negative number of milliseconds or a string such as "250ms" or "1m30s"`);
    }
    return v;
  }
  const s = String(v).trim();
  let total = 0;
  let consumed = 0;
  DURATION_PART.lastIndex = 0;
  let m;
  while ((m = DURATION_PART.exec(s)) !== null) {
    if (m.index !== consumed) break;
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed = m.index + m[0].length;
  }
  if (s === '' || consumed !== s.length) {
    if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000; // bare seconds, as in k6's "sleep"-like knobs
    throw new TypeError(`${what}: ${JSON.stringify(v)} is not a duration; use values such as "250ms", "30s" or "1m30s"`);
  }
  return total;
}

/** Whether v is a plain object (not null, not an array). */
export function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A shallow copy of the plain object v, or {} for anything else. */
export function copy(v) {
  return isObject(v) ? Object.assign({}, v) : {};
}
