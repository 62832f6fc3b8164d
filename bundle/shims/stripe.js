// k6/x/stripe for stock k6: Stampede's pure-JS shim of its native stripe
// module, built on k6/crypto (HMAC-SHA256, random bytes) and k6/http.
//
// Signatures follow Stripe's v1 scheme: "t=<unix seconds>,v1=<hex
// HMAC-SHA256 of '<t>.<raw body>' keyed with the endpoint secret>". For the
// same payload, secret and timestamp they are byte-identical to the native
// module's. The secret never appears in errors or returned objects.
import { createHMAC, randomBytes } from 'k6/crypto';
import { request } from 'k6/http';
import { isObject } from './_common.js';

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

function requireSecret(secret, fn) {
  if (secret === undefined || secret === null || secret === '') {
    throw new Error(`${fn}: stripe webhook secret is empty`);
  }
}

function unixSeconds(v, fn, what) {
  if (v === undefined || v === null) return Math.floor(Date.now() / 1000);
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  const n = Number(v);
  if (!Number.isInteger(n)) {
    throw new TypeError(`${fn}: ${what} ${JSON.stringify(v)} is not a whole number of Unix seconds (or a Date)`);
  }
  return n;
}

function payloadOf(payload, fn) {
  if (typeof payload === 'string' || payload instanceof ArrayBuffer) return payload;
  if (ArrayBuffer.isView(payload)) {
    return payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength);
  }
  if (isObject(payload)) return JSON.stringify(payload);
  throw new TypeError(`${fn}: the payload must be a string, an ArrayBuffer or an event object`);
}

function hmacHex(payload, secret, timestamp) {
  const mac = createHMAC('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(payload);
  return mac.digest('hex');
}

function checkScheme(scheme, fn) {
  if (!/^[A-Za-z0-9]{1,16}$/.test(scheme) || scheme === 't') {
    throw new Error(`${fn}: invalid stripe signature scheme ${JSON.stringify(scheme)}: want 1 to 16 letters or digits, such as "v1"`);
  }
}

/**
 * The hex HMAC-SHA256 of "<timestamp>.<payload>" keyed with secret: the
 * value of a v1 entry. timestamp is in Unix seconds.
 */
export function signature(payload, secret, timestamp) {
  requireSecret(secret, 'signature');
  const p = payloadOf(payload, 'signature');
  return hmacHex(p, secret, unixSeconds(timestamp, 'signature', 'timestamp'));
}

/**
 * The Stripe-Signature header value for payload: "t=<unix>,v1=<hex>", with
 * one more entry per opts.rotated secret. opts.timestamp (Unix seconds or a
 * Date) defaults to now, opts.scheme to "v1".
 */
export function sign(payload, secret, opts) {
  const o = opts || {};
  requireSecret(secret, 'sign');
  const p = payloadOf(payload, 'sign');
  const scheme = o.scheme === undefined || o.scheme === null || o.scheme === '' ? 'v1' : String(o.scheme);
  checkScheme(scheme, 'sign');
  const t = unixSeconds(o.timestamp, 'sign', 'timestamp');
  let header = `t=${t},${scheme}=${hmacHex(p, secret, t)}`;
  const rotated = o.rotated || [];
  for (let i = 0; i < rotated.length; i++) {
    if (rotated[i] === undefined || rotated[i] === null || rotated[i] === '') {
      throw new Error(`sign: rotated secret ${i}: stripe webhook secret is empty`);
    }
    header += `,${scheme}=${hmacHex(p, rotated[i], t)}`;
  }
  return header;
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
export function verify(payload, header, secret, opts) {
  const o = opts || {};
  requireSecret(secret, 'verify');
  const p = payloadOf(payload, 'verify');
  const h = parseHeader(header);
  if (h.v1.length === 0) throw new Error('verify: no valid stripe signature: the header has no v1 signature');
  const expected = hmacHex(p, secret, h.timestamp);
  let matched = false;
  for (const sig of h.v1) {
    if (equalHex(expected, sig)) matched = true;
  }
  if (!matched) {
    throw new Error(`verify: no valid stripe signature: none of the ${h.v1.length} v1 signatures matches the payload and secret`);
  }
  let tolerance = o.tolerance === undefined || o.tolerance === null ? DEFAULT_TOLERANCE_SECONDS : Number(o.tolerance);
  if (!(tolerance > 0)) tolerance = DEFAULT_TOLERANCE_SECONDS;
  const age = Math.floor(Date.now() / 1000) - h.timestamp;
  if (age > Math.floor(tolerance)) {
    throw new Error(`verify: stripe signature expired: timestamp ${h.timestamp} is ${age}s old, the tolerance is ${Math.floor(tolerance)}s`);
  }
  return true;
}

// ---- events ---------------------------------------------------------------

// sorted returns a copy of the plain object o with its keys in sorted order,
// so that JSON.stringify lays it out as Go's encoding/json does.
function sorted(o) {
  const out = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/**
 * A Stripe event of type about object, with a unique "evt_" id. opts: id,
 * created (Unix seconds or a Date; default now), apiVersion, livemode.
 */
export function event(type, object, opts) {
  const o = opts || {};
  if (type === undefined || type === null || String(type) === '') {
    throw new Error('event: invalid stripe event: the event type is empty (want e.g. "checkout.session.completed")');
  }
  return {
    id: o.id ? String(o.id) : newId('evt'),
    object: 'event',
    api_version: o.apiVersion ? String(o.apiVersion) : DEFAULT_API_VERSION,
    created: unixSeconds(o.created, 'event', 'created'),
    data: { object: object === undefined || object === null ? {} : object },
    livemode: !!o.livemode,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type: String(type),
  };
}

function purchase(p, fn) {
  if (!isObject(p) || p.userId === undefined || p.userId === null || String(p.userId) === '') {
    throw new Error(`${fn}: invalid stripe event: userId is required`);
  }
  const tokens = p.tokens === undefined || p.tokens === null ? 0 : Number(p.tokens);
  if (!Number.isInteger(tokens)) {
    throw new TypeError(`${fn}: tokens ${JSON.stringify(p.tokens)} is not a whole number`);
  }
  return tokens;
}

function metadata(p, own) {
  const m = {};
  if (isObject(p.metadata)) {
    for (const k of Object.keys(p.metadata)) m[k] = String(p.metadata[k]);
  }
  return sorted(Object.assign(m, own));
}

function eventOpts(p, created) {
  return { id: p.id, created, apiVersion: p.apiVersion, livemode: p.livemode };
}

function amountOf(v, tokens, fn, what) {
  if (v === undefined || v === null) return tokens * DEFAULT_UNIT_AMOUNT;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new TypeError(`${fn}: ${what} ${JSON.stringify(v)} is not a whole number of cents`);
  return n;
}

/**
 * A checkout.session.completed event crediting tokens to userId, as the
 * staging API expects: client_reference_id = userId, metadata.tokens =
 * tokens. p: {userId, tokens, amountTotal?, currency?, metadata?, id?,
 * created?, apiVersion?, livemode?}.
 */
export function checkoutCompleted(p) {
  const tokens = purchase(p, 'checkoutCompleted');
  const created = unixSeconds(p.created, 'checkoutCompleted', 'created');
  const amount = amountOf(p.amountTotal, tokens, 'checkoutCompleted', 'amountTotal');
  const livemode = !!p.livemode;
  const session = sorted({
    id: newId(livemode ? 'cs_live' : 'cs_test'),
    object: 'checkout.session',
    amount_subtotal: amount,
    amount_total: amount,
    client_reference_id: String(p.userId),
    created,
    currency: p.currency ? String(p.currency) : DEFAULT_CURRENCY,
    customer: null,
    livemode,
    metadata: metadata(p, { tokens: String(tokens) }),
    mode: 'payment',
    payment_intent: newId('pi'),
    payment_status: 'paid',
    status: 'complete',
  });
  return event('checkout.session.completed', session, eventOpts(p, created));
}

/**
 * A payment_intent.succeeded event crediting tokens to userId:
 * metadata.user_id = userId, metadata.tokens = tokens. p: {userId, tokens,
 * amount?, currency?, metadata?, id?, created?, apiVersion?, livemode?}.
 */
export function paymentIntentSucceeded(p) {
  const tokens = purchase(p, 'paymentIntentSucceeded');
  const created = unixSeconds(p.created, 'paymentIntentSucceeded', 'created');
  const amount = amountOf(p.amount, tokens, 'paymentIntentSucceeded', 'amount');
  const intent = sorted({
    id: newId('pi'),
    object: 'payment_intent',
    amount,
    amount_received: amount,
    created,
    currency: p.currency ? String(p.currency) : DEFAULT_CURRENCY,
    livemode: !!p.livemode,
    metadata: metadata(p, { user_id: String(p.userId), tokens: String(tokens) }),
    status: 'succeeded',
  });
  return event('payment_intent.succeeded', intent, eventOpts(p, created));
}

// ---- delivery -------------------------------------------------------------

/**
 * Serialises event (an object, or an already serialised string), signs it
 * with secret and POSTs it to url like Stripe does, through k6/http (same
 * metrics and tags as any request). params are k6/http params; their
 * headers are added to Content-Type and Stripe-Signature. Returns the
 * k6/http Response.
 */
export function webhook(url, event, secret, params) {
  requireSecret(secret, 'webhook');
  const body = payloadOf(event, 'webhook');
  const p = Object.assign({}, params || {});
  const header = sign(body, secret, { timestamp: p.timestamp });
  delete p.timestamp;
  p.headers = Object.assign({ 'Content-Type': 'application/json' }, p.headers || {});
  p.headers[SIGNATURE_HEADER] = header;
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
