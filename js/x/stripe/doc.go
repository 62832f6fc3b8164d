// Package stripe is the `k6/x/stripe` module: the JavaScript face of package
// github.com/stampede-load/stampede/stripe, for load tests that play Stripe
// against a webhook endpoint.
//
//	import stripe from "k6/x/stripe";
//	const ev = stripe.checkoutCompleted({ userId: "usr_1", tokens: 5 });
//	const res = stripe.webhook(`${BASE}/webhooks/stripe`, ev, __ENV.WEBHOOK_SECRET);
//
// Exports: signature, sign, verify, event, checkoutCompleted,
// paymentIntentSucceeded, webhook, and the constants SIGNATURE_HEADER,
// DEFAULT_API_VERSION and DEFAULT_TOLERANCE_SECONDS.
//
// Payloads are strings, ArrayBuffers (or views) or event objects (signed as
// JSON.stringify gives them). Timestamps are whole Unix seconds or Dates.
// webhook() sends through k6/http's request (same params, metrics, tags and
// Response). The secret never appears in an error, a log line or a returned
// value; errors name what is wrong without echoing it.
package stripe
