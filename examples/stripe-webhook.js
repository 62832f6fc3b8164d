// Signing a Stripe webhook: build a checkout.session.completed event, sign it
// with the endpoint secret and POST it, as Stripe itself would.
//
//   stampede run --embedded-target examples/stripe-webhook.js
import http from 'k6/http';
import { check } from 'k6';
import stripe from 'k6/x/stripe';

const BASE_URL = __ENV.BASE_URL;
const SECRET = __ENV.STRIPE_WEBHOOK_SECRET;

export default function () {
  const user = http.post(`${BASE_URL}/auth/anonymous`).json();
  const event = stripe.checkoutCompleted({ userId: user.userId, tokens: 3 });

  // stripe.webhook() serialises, signs and POSTs in one call ...
  const res = stripe.webhook(`${BASE_URL}/webhooks/stripe`, event, SECRET);
  check(res, { 'credited 3 tokens': (r) => r.status === 200 && r.json('credited') === 3 });

  // ... or sign by hand: the header is `t=<unix>,v1=<hex hmac>`.
  const body = JSON.stringify(event);
  const header = stripe.sign(body, SECRET);
  const again = http.post(`${BASE_URL}/webhooks/stripe`, body, {
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header },
  });
  check(again, { 'same event id is a duplicate': (r) => r.json('duplicate') === true });
}
