package stripe

import (
	"context"
	"testing"

	_ "github.com/stampede-load/stampede/js/k6/http" // k6/http for the script
	"github.com/stampede-load/stampede/target"
)

// End to end against the reference staging API: webhook() credits tokens
// for both event types, a replay is a duplicate, a wrong secret and an
// expired timestamp are rejected with the API's error codes, and a header
// with two v1 entries (rotation) signed by sign() is accepted.
func TestWebhookAgainstReferenceTarget(t *testing.T) {
	srv, err := target.New(target.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	if _, err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	whsec := srv.WebhookSecret().Reveal()
	vu := newTestVU(t, 0)
	vu.MoveToVUContext(vu.NewState())
	vu.set(t, map[string]any{"base": srv.URL(), "secret": whsec})
	v := vu.eval(t, `
		const http = require("k6/http");
		const hook = base + "/webhooks/stripe";
		const user = http.post(base + "/auth/anonymous").json();
		const ev = stripe.checkoutCompleted({ userId: user.userId, tokens: 5 });
		const first = stripe.webhook(hook, ev, secret);
		const again = stripe.webhook(hook, ev, secret);
		const pi = stripe.webhook(hook, stripe.paymentIntentSucceeded({ userId: user.userId, tokens: 2 }), secret);
		const forged = stripe.webhook(hook, stripe.checkoutCompleted({ userId: user.userId, tokens: 5 }), "whsec_wrong");
		const old = stripe.webhook(hook, stripe.checkoutCompleted({ userId: user.userId, tokens: 5 }), secret,
			{ timestamp: Math.floor(Date.now() / 1000) - 3600 });
		// Secret rotation: the old secret's entry first, the endpoint's second.
		const body = JSON.stringify(stripe.checkoutCompleted({ userId: user.userId, tokens: 1 }));
		const rotated = http.post(hook, body, { headers: { "Content-Type": "application/json",
			"Stripe-Signature": stripe.sign(body, "whsec_old_one", { rotated: [secret] }) } });
		[user.userId, first.status, first.json("credited"), again.json("duplicate"), pi.json("credited"),
		 forged.status, forged.json("error"), old.status, old.json("error"), rotated.json("credited")]`)
	var got []any
	if err := vu.Sobek().ExportTo(v, &got); err != nil {
		t.Fatal(err)
	}
	want := []any{got[0], int64(200), int64(5), true, int64(2), int64(400), "invalid_signature", int64(400), "signature_expired", int64(1)}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("results %v, want %v", got, want)
		}
	}
	userID, _ := got[0].(string)
	if bal, ok := srv.UserBalance(userID); !ok || bal != 8 {
		t.Fatalf("balance %d (%v), want 8", bal, ok)
	}
	for _, e := range vu.Logs() {
		s, _ := e.String()
		noSecretIn(t, "log entry", s, whsec)
	}
}
