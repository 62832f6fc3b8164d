// k6/x/stripe for stock k6: Stampede's pure-JS shim of its native stripe
// module, built on k6/crypto (HMAC-SHA256, random bytes) and k6/http.
//
// Signatures follow Stripe's v1 scheme: "t=<unix seconds>,v1=<hex
// HMAC-SHA256 of '<t>.<raw body>' keyed with the endpoint secret>". For the
// same payload, secret and timestamp they are byte-identical to the native
// module's. The secret never appears in errors or returned objects.
import { createHMAC, randomBytes } from 'k6/crypto';
import { request } from 'k6/http';

export const SIGNATURE_HEADER = 'Stripe-Signature';
export const DEFAULT_API_VERSION = '2025-08-27.basil';
export const DEFAULT_TOLERANCE_SECONDS = 300;
const DEFAULT_CURRENCY = 'usd';
const DEFAULT_UNIT_AMOUNT = 100; // cents per token

// ---- ids ------------------------------------------------------------------

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Each VU (each evaluation of this module) draws 11 random base62 digits
// once, and appends a 13-digit counter: "evt_" + 24 letters and digits, the
// shape of the native module's ids and of Stripe's own.
const instance = (() => {
  const b = new Uint8Array(randomBytes(11));
  let s = '';
  for (let i = 0; i < b.length; i++) s += BASE62[b[i] % 62];
  return s;
})();
let counter = 0;

function base62(n, width) {
  let s = '';
  for (let i = 0; i < width; i++) {
    s = BASE62[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s;
}

function newId(prefix) {
  counter++;
  return `${prefix}_${instance}${base62(counter, 13)}`;
}

// ---- signatures -----------------------------------------------------------

// secretOf reads a secret argument (a string, an ArrayBuffer or a view).
// Nothing about its value reaches an error message.
function secretOf(secret, fn, what) {
  const prefix = what || '';
  if (secret === undefined || secret === null) throw new Error(`${fn}: ${prefix}stripe webhook secret is empty`);
  let s = secret;
  if (ArrayBuffer.isView(s)) s = s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength);
  if (typeof s !== 'string' && !(s instanceof ArrayBuffer)) {
    throw new TypeError(`${fn}: ${prefix}the stripe webhook secret must be a string`);
  }
  if ((typeof s === 'string' ? s.length : s.byteLength) === 0) throw new Error(`${fn}: ${prefix}stripe webhook secret is empty`);
  return s;
}

// unixSeconds reads a timestamp: whole Unix seconds or a Date; nullish is now.
function unixSeconds(v, fn, what) {
  if (v === undefined || v === null) return Math.floor(Date.now() / 1000);
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  const n = Number(v);
  if (!Number.isInteger(n) || Math.abs(n) > 2 ** 53) {
    throw new TypeError(`${fn}: ${what} ${String(v)} is not a whole number of Unix seconds (or a Date)`);
  }
  return n;
}

// options returns v as an object whose keys are all allowed; nullish gives {}.
function options(v, fn, what, allowed) {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${fn}: ${what} must be an object`);
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new TypeError(`${fn}: unknown ${what} field ${JSON.stringify(k)}: want ${allowed.join(', ')}`);
  }
  return v;
}

// payloadOf returns what to sign and send: a string or ArrayBuffer as given
// (a view becomes a copy of its bytes), or an object as JSON.stringify gives it.
function payloadOf(payload, fn) {
  if (typeof payload === 'string' || payload instanceof ArrayBuffer) return payload;
  if (ArrayBuffer.isView(payload)) {
    return payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength);
  }
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) return JSON.stringify(payload);
  throw new TypeError(`${fn}: the payload must be a string, an ArrayBuffer or an event object`);
}

function hmacHex(payload, secret, timestamp) {
  const mac = createHMAC('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(payload);
  return mac.digest('hex');
}

function checkScheme(scheme, fn) {
  if (!/^[A-Za-z0-9]{1,16}$/.test(scheme)) {
    throw new Error(`${fn}: invalid stripe signature scheme ${JSON.stringify(scheme)}: want 1 to 16 letters or digits, such as "v1"`);
  }
  if (scheme === 't') throw new Error(`${fn}: invalid stripe signature scheme "t": "t" is the timestamp key`);
}

/**
 * The hex HMAC-SHA256 of "<timestamp>.<payload>" keyed with secret: the
 * value of a v1 entry. timestamp is in Unix seconds (or a Date).
 */
export function signature(payload, secret, timestamp) {
  const p = payloadOf(payload, 'signature');
  const k = secretOf(secret, 'signature');
  return hmacHex(p, k, unixSeconds(timestamp, 'signature', 'timestamp'));
}

function header(fn, p, k, t, scheme, rotated) {
  const sch = scheme === undefined || scheme === null || scheme === '' ? 'v1' : String(scheme);
  checkScheme(sch, fn);
  const secrets = [k];
  if (rotated !== undefined && rotated !== null) {
    if (!Array.isArray(rotated)) throw new TypeError(`${fn}: rotated must be an array of secrets`);
    rotated.forEach((r, i) => secrets.push(secretOf(r, fn, `rotated secret ${i}: `)));
  }
  let h = `t=${t}`;
  for (const s of secrets) h += `,${sch}=${hmacHex(p, s, t)}`;
  return h;
}

/**
 * The Stripe-Signature header value for payload: "t=<unix>,v1=<hex>", with
 * one more entry per opts.rotated secret. opts.timestamp (Unix seconds or a
 * Date) defaults to now, opts.scheme to "v1".
 */
export function sign(payload, secret, opts) {
  const p = payloadOf(payload, 'sign');
  const k = secretOf(secret, 'sign');
  const o = options(opts, 'sign', 'option', ['timestamp', 'scheme', 'rotated']);
  return header('sign', p, k, unixSeconds(o.timestamp, 'sign', 'timestamp'), o.scheme, o.rotated);
}

function malformed(detail) {
  return new Error(`verify: malformed Stripe-Signature header: ${detail}`);
}

function parseHeader(header) {
  const h = String(header === undefined || header === null ? '' : header);
  if (h.trim() === '') throw malformed('the header is empty');
  let timestamp = null;
  const v1 = [];
  const parts = h.split(',');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i].trim();
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (eq < 0 || key === '' || value.includes('=')) {
      throw malformed(`part ${i + 1} is not a key=value pair`);
    }
    if (key === 't') {
      if (timestamp !== null) throw malformed('more than one timestamp (t)');
      if (!/^[+-]?\d+$/.test(value)) {
        const shown = value.length > 24 ? `${value.slice(0, 24)}...` : value;
        throw malformed(`timestamp (t) ${JSON.stringify(shown)} is not an integer number of seconds`);
      }
      timestamp = Number(value);
    } else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) {
      v1.push(value.toLowerCase());
    }
  }
  if (timestamp === null) throw malformed('no timestamp (t)');
  return { timestamp, v1 };
}

// equalHex compares two hex strings of equal length without an early exit.
function equalHex(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Returns true when header carries a valid v1 signature of payload by
 * secret, and throws otherwise, naming the reason: a malformed header, no
 * valid signature (checked first), or an expired timestamp (older than
 * opts.tolerance seconds, default 300).
 */
export function verify(payload, signatureHeader, secret, opts) {
  const p = payloadOf(payload, 'verify');
  const k = secretOf(secret, 'verify');
  const o = options(opts, 'verify', 'option', ['tolerance']);
  const h = parseHeader(signatureHeader);
  if (h.v1.length === 0) throw new Error('verify: no valid stripe signature: the header has no v1 signature');
  const expected = hmacHex(p, k, h.timestamp);
  let matched = false;
  for (const sig of h.v1) {
    if (equalHex(expected, sig)) matched = true;
  }
  if (!matched) {
    throw new Error(`verify: no valid stripe signature: none of the ${h.v1.length} v1 signatures matches the payload and secret`);
  }
  let tolerance = o.tolerance === undefined || o.tolerance === null ? DEFAULT_TOLERANCE_SECONDS : Number(o.tolerance);
  if (!(tolerance > 0) || tolerance === Infinity) tolerance = DEFAULT_TOLERANCE_SECONDS;
  const age = Math.floor(Date.now() / 1000) - h.timestamp;
  if (age > Math.floor(tolerance)) {
    throw new Error(`verify: stripe signature expired: timestamp ${h.timestamp} is ${age}s old, the tolerance is ${Math.floor(tolerance)}s`);
  }
  return true;
}

// ---- events ---------------------------------------------------------------


const EVENT_FIELDS = ['id', 'created', 'apiVersion', 'livemode'];

function eventOptions(o, fn) {
  return {
    id: o.id === undefined || o.id === null ? '' : String(o.id),
    created: unixSeconds(o.created, fn, 'created'),
    apiVersion: o.apiVersion === undefined || o.apiVersion === null ? '' : String(o.apiVersion),
    livemode: !!o.livemode,
  };
}

function newEvent(type, object, e) {
  return {
    id: e.id || newId('evt'),
    object: 'event',
    api_version: e.apiVersion || DEFAULT_API_VERSION,
    created: e.created,
    data: { object },
    livemode: e.livemode,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/**
 * A Stripe event of type about object (kept by reference in data.object),
 * with a unique "evt_" id. opts: {id?, created? (Unix seconds or a Date;
 * default now), apiVersion?, livemode?}.
 */
export function event(type, object, opts) {
  const t = type === undefined || type === null ? '' : String(type);
  let obj = object;
  if (obj === undefined || obj === null) obj = {};
  else if (typeof obj !== 'object' && typeof obj !== 'function') {
    throw new TypeError('event: the object (second argument) must be an object');
  }
  const o = options(opts, 'event', 'option', EVENT_FIELDS);
  const e = eventOptions(o, 'event');
  if (t === '') throw new Error('event: invalid stripe event: the event type is empty (want e.g. "checkout.session.completed")');
  return newEvent(t, obj, e);
}

function wholeNumber(v, fn, what, required) {
  if (v === undefined || v === null) {
    if (required) throw new TypeError(`${fn}: ${what} is required (a whole number)`);
    return 0;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || Math.abs(n) > 2 ** 53) throw new TypeError(`${fn}: ${what} ${String(v)} is not a whole number`);
  return n;
}

// purchase reads the builders' argument, in the native module's order.
function purchase(v, fn, amountKey) {
  const o = options(v, fn, 'purchase', ['userId', 'tokens', amountKey, 'currency', 'metadata'].concat(EVENT_FIELDS));
  const userId = o.userId === undefined || o.userId === null ? '' : String(o.userId);
  if (userId === '') throw new Error(`${fn}: invalid stripe event: userId is required`);
  const tokens = wholeNumber(o.tokens, fn, 'tokens', true);
  const amount = o[amountKey] === undefined || o[amountKey] === null
    ? tokens * DEFAULT_UNIT_AMOUNT
    : wholeNumber(o[amountKey], fn, amountKey, false);
  const currency = o.currency === undefined || o.currency === null || String(o.currency) === '' ? DEFAULT_CURRENCY : String(o.currency);
  const metadata = {};
  if (o.metadata !== undefined && o.metadata !== null) {
    if (typeof o.metadata !== 'object') throw new TypeError(`${fn}: metadata must be an object of strings`);
    for (const k of Object.keys(o.metadata)) metadata[k] = String(o.metadata[k]);
  }
  return { userId, tokens, amount, currency, metadata, event: eventOptions(o, fn) };
}

// sorted returns a copy of the plain object o with its keys in sorted order,
// so that JSON.stringify lays it out as Go's encoding/json does.
function sorted(o) {
  const out = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/**
 * A checkout.session.completed event crediting tokens to userId, as the
 * staging API expects: client_reference_id = userId, metadata.tokens =
 * tokens. p: {userId, tokens, amountTotal?, currency?, metadata?, id?,
 * created?, apiVersion?, livemode?}.
 */
export function checkoutCompleted(p) {
  const b = purchase(p, 'checkoutCompleted', 'amountTotal');
  const live = b.event.livemode;
  const session = sorted({
    id: newId(live ? 'cs_live' : 'cs_test'),
    object: 'checkout.session',
    amount_subtotal: b.amount,
    amount_total: b.amount,
    client_reference_id: b.userId,
    created: b.event.created,
    currency: b.currency,
    customer: null,
    livemode: live,
    metadata: sorted(Object.assign(b.metadata, { tokens: String(b.tokens) })),
    mode: 'payment',
    payment_intent: newId('pi'),
    payment_status: 'paid',
    status: 'complete',
  });
  return newEvent('checkout.session.completed', session, b.event);
}

/**
 * A payment_intent.succeeded event crediting tokens to userId:
 * metadata.user_id = userId, metadata.tokens = tokens. p: {userId, tokens,
 * amount?, currency?, metadata?, id?, created?, apiVersion?, livemode?}.
 */
export function paymentIntentSucceeded(p) {
  const b = purchase(p, 'paymentIntentSucceeded', 'amount');
  const intent = sorted({
    id: newId('pi'),
    object: 'payment_intent',
    amount: b.amount,
    amount_received: b.amount,
    created: b.event.created,
    currency: b.currency,
    livemode: b.event.livemode,
    metadata: sorted(Object.assign(b.metadata, { user_id: b.userId, tokens: String(b.tokens) })),
    status: 'succeeded',
  });
  return newEvent('payment_intent.succeeded', intent, b.event);
}

// ---- delivery -------------------------------------------------------------

/**
 * Serialises event (an object; a string or ArrayBuffer is sent as it is),
 * signs it with secret and POSTs it to url like Stripe does, through
 * k6/http's request (same params, metrics, tags and Response). params are
 * k6/http params plus timestamp and scheme for the signature. Headers:
 * Content-Type application/json unless params set one, the params' headers,
 * and Stripe-Signature (always ours).
 */
export function webhook(url, event, secret, params) {
  const k = secretOf(secret, 'webhook');
  const body = payloadOf(event, 'webhook');
  const p = {};
  let timestamp;
  let scheme;
  if (params !== undefined && params !== null) {
    if (typeof params !== 'object') throw new TypeError('webhook: params must be an object');
    for (const key of Object.keys(params)) {
      if (key !== 'timestamp' && key !== 'scheme') p[key] = params[key];
    }
    timestamp = params.timestamp;
    scheme = params.scheme;
  }
  const t = unixSeconds(timestamp, 'webhook', 'timestamp');
  const headers = {};
  let hasContentType = false;
  if (p.headers !== undefined && p.headers !== null) {
    if (typeof p.headers !== 'object') throw new TypeError('webhook: params.headers must be an object');
    for (const name of Object.keys(p.headers)) {
      const lower = name.toLowerCase();
      if (lower === SIGNATURE_HEADER.toLowerCase()) continue; // ours wins
      if (lower === 'content-type') hasContentType = true;
      headers[name] = p.headers[name];
    }
  }
  if (!hasContentType) headers['Content-Type'] = 'application/json';
  headers[SIGNATURE_HEADER] = header('webhook', body, k, t, scheme, null);
  p.headers = headers;
  return request('POST', url, body, p);
}

export default {
  SIGNATURE_HEADER,
  DEFAULT_API_VERSION,
  DEFAULT_TOLERANCE_SECONDS,
  signature,
  sign,
  verify,
  event,
  checkoutCompleted,
  paymentIntentSucceeded,
  webhook,
};
