// Stampede's implementation of https://jslib.k6.io/k6-utils/<version>/index.js.

const LOWER = "abcdefghijklmnopqrstuvwxyz";

/** Returns a random integer in [min, max], both ends included. */
export function randomIntBetween(min, max) {
  min = Math.ceil(min);
  max = Math.floor(max);
  return Math.floor(Math.random() * (max - min + 1)) + min;
}

/** Returns a random element of array (undefined for an empty one). */
export function randomItem(array) {
  return array[Math.floor(Math.random() * array.length)];
}

/** Returns a string of length characters drawn from charset (a-z by default). */
export function randomString(length, charset = LOWER) {
  let out = "";
  for (let i = 0; i < length; i++) {
    out += charset.charAt(Math.floor(Math.random() * charset.length));
  }
  return out;
}

function randomBytes(n, secure) {
  if (secure) {
    const crypto = require("k6/crypto");
    return new Uint8Array(crypto.randomBytes(n));
  }
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    b[i] = Math.floor(Math.random() * 256);
  }
  return b;
}

/**
 * Returns a random (version 4) UUID. With secure=true the bytes come from
 * k6/crypto's cryptographic random source instead of Math.random.
 */
export function uuidv4(secure = false) {
  const b = randomBytes(16, secure);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  let hex = "";
  for (let i = 0; i < 16; i++) {
    hex += (b[i] + 0x100).toString(16).slice(1);
    if (i === 3 || i === 5 || i === 7 || i === 9) {
      hex += "-";
    }
  }
  return hex;
}

/**
 * Returns the text between the first occurrence of left and the next
 * occurrence of right (null when either is missing). With repeat=true it
 * returns every such text, in order, as an array.
 */
export function findBetween(content, left, right, repeat = false) {
  const found = [];
  let from = 0;
  for (;;) {
    const start = content.indexOf(left, from);
    if (start === -1) {
      break;
    }
    const begin = start + left.length;
    const end = content.indexOf(right, begin);
    if (end === -1) {
      break;
    }
    const text = content.substring(begin, end);
    if (!repeat) {
      return text;
    }
    found.push(text);
    from = end + right.length;
  }
  return repeat ? found : null;
}

/**
 * Returns ramping-vus stages whose targets follow a normal (bell) curve that
 * peaks at maxVus, spread over durationSeconds: one stage ramping up to the
 * curve's left tail, numberOfStages+1 stages along the curve from two
 * standard deviations below the mean to two above, and a last stage ramping
 * down to 0. Every stage lasts the same whole number of seconds.
 */
export function normalDistributionStages(maxVus, durationSeconds, numberOfStages = 10) {
  const n = Math.max(1, Math.floor(numberOfStages));
  const stageSeconds = Math.max(1, Math.floor(durationSeconds / (n + 3)));
  const stages = [];
  const density = (x) => Math.exp(-0.5 * x * x);
  stages.push({ duration: `${stageSeconds}s`, target: Math.round(maxVus * density(-2)) });
  for (let i = 0; i <= n; i++) {
    const x = -2 + (4 * i) / n;
    stages.push({ duration: `${stageSeconds}s`, target: Math.round(maxVus * density(x)) });
  }
  stages.push({ duration: `${stageSeconds}s`, target: 0 });
  return stages;
}
