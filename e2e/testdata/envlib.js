// Checks scripts/lib/env.js: duration parsing, isZero and BASE_URL handling.
// Any failed check throws in the init context (exit 107).
import * as env from '../../scripts/lib/env.js';
const eq = (a, b, what) => { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`); };
eq(env.isZero('0s'), true, 'isZero 0s'); eq(env.isZero('0m0s'), true, '0m0s'); eq(env.isZero('00.00ms'), true, '00.00ms');
eq(env.isZero('1s'), false, '1s'); eq(env.isZero('0.5s'), false, '0.5s'); eq(env.isZero('x'), false, 'x');
__ENV.D1 = '1m30s'; eq(env.duration('D1', 'z'), '1m30s', 'D1');
__ENV.D2 = '1.5h'; eq(env.duration('D2', 'z'), '1.5h', 'D2');
__ENV.D3 = '250ms'; eq(env.duration('D3', 'z'), '250ms', 'D3');
__ENV.D4 = '0'; eq(env.duration('D4', 'z'), '0s', 'D4');
for (const bad of ['1', '1.s', '.5s', 's', '1x', '1m 30s', '1msec', '-1s', '1m3']) {
  __ENV.DB = bad; let threw = false; try { env.duration('DB', 'z'); } catch (e) { threw = String(e).includes('is not a duration'); } eq(threw, true, 'bad ' + bad);
}
__ENV.BASE_URL = 'http://x.test///'; __ENV.STRIPE_WEBHOOK_SECRET = 'whsec_x';
eq(env.common('isolated').baseUrl, 'http://x.test', 'baseUrl');
__ENV.BASE_URL = 'ftp://x.test'; let threw = false; try { env.common('isolated'); } catch (e) { threw = String(e).includes('must start with http'); } eq(threw, true, 'ftp');
export default function () {}
