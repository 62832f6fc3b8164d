package stripe_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/stampede-load/stampede/stripe"
)

// Our headers must be accepted (or rejected) by stripe-go exactly as Stripe's
// own library decides.
func TestOurHeadersWithStripeGo(t *testing.T) {
	payload := []byte(`{"id":"evt_compat","object":"event"}`)
	now := time.Now()
	tests := []struct {
		name    string
		secret  stripe.Secret // signing secret
		rotated []stripe.Secret
		ts      time.Time
		scheme  string
		wantErr error // from stripe-go, verifying with testSecret
	}{
		{name: "v1", secret: testSecret, ts: now},
		{name: "rotation: old secret first", secret: rotatedSecret, rotated: []stripe.Secret{testSecret}, ts: now},
		{name: "rotation: new secret first", secret: testSecret, rotated: []stripe.Secret{rotatedSecret}, ts: now},
		{name: "expired", secret: testSecret, ts: now.Add(-10 * time.Minute), wantErr: webhook.ErrTooOld},
		{name: "wrong secret", secret: rotatedSecret, ts: now, wantErr: webhook.ErrNoValidSignature},
		{name: "v0 only", secret: testSecret, ts: now, scheme: "v0", wantErr: webhook.ErrNoValidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := stripe.Sign(payload, tt.secret, stripe.SignOptions{Timestamp: tt.ts, Scheme: tt.scheme, Rotated: tt.rotated})
			if err != nil {
				t.Fatal(err)
			}
			err = webhook.ValidatePayload(payload, h, string(testSecret))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("stripe-go ValidatePayload(%q) = %v, want %v", h, err, tt.wantErr)
			}
			// And our own verifier agrees.
			ours := stripe.Verify(payload, h, testSecret, stripe.VerifyOptions{})
			if (ours == nil) != (tt.wantErr == nil) {
				t.Fatalf("stripe.Verify = %v, stripe-go = %v", ours, tt.wantErr)
			}
		})
	}
}

// stripe-go's test-signed payloads must be accepted (or rejected) by Verify.
func TestStripeGoHeadersWithOurs(t *testing.T) {
	payload := []byte(`{"id":"evt_from_stripe_go","object":"event"}`)
	now := time.Now()
	signed := func(secret stripe.Secret, ts time.Time, scheme string) *webhook.SignedPayload {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: string(secret), Timestamp: ts, Scheme: scheme})
	}
	// Two v1 entries, as Stripe sends while a secret is rolled: stripe-go
	// generates one signature per call; join them under one timestamp.
	old, cur := signed(rotatedSecret, now, ""), signed(testSecret, now, "")
	twoV1 := old.Header + ",v1=" + hex.EncodeToString(cur.Signature)
	tests := []struct {
		name    string
		header  string
		wantErr error
	}{
		{name: "v1", header: signed(testSecret, now, "").Header},
		{name: "default timestamp", header: webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: string(testSecret)}).Header},
		{name: "two v1, second matches", header: twoV1},
		{name: "expired", header: signed(testSecret, now.Add(-10*time.Minute), "").Header, wantErr: stripe.ErrExpired},
		{name: "expired two v1", header: func() string {
			o, c := signed(rotatedSecret, now.Add(-time.Hour), ""), signed(testSecret, now.Add(-time.Hour), "")
			return o.Header + ",v1=" + hex.EncodeToString(c.Signature)
		}(), wantErr: stripe.ErrExpired},
		{name: "v0 scheme", header: signed(testSecret, now, "v0").Header, wantErr: stripe.ErrNoValidSignature},
		{name: "other secret", header: signed(rotatedSecret, now, "").Header, wantErr: stripe.ErrNoValidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Sanity: the header is what stripe-go itself decides about.
			if err := webhook.ValidatePayload(payload, tt.header, string(testSecret)); (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("stripe-go disagrees with the test case: %v", err)
			}
			err := stripe.Verify(payload, tt.header, testSecret, stripe.VerifyOptions{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify(%q) = %v, want %v", tt.header, err, tt.wantErr)
			}
		})
	}
	if !strings.Contains(twoV1, ",v1=") || strings.Count(twoV1, "v1=") != 2 {
		t.Fatalf("test header %q should have two v1 entries", twoV1)
	}
}

func TestDefaultAPIVersionMatchesStripeGo(t *testing.T) {
	if stripe.DefaultAPIVersion != stripego.APIVersion {
		t.Fatalf("DefaultAPIVersion = %q, stripe-go expects %q", stripe.DefaultAPIVersion, stripego.APIVersion)
	}
}

// Built events, signed by us, go through stripe-go's ConstructEvent and
// decode into its typed objects with the fields the staging API reads.
func TestEventsWithStripeGoConstructEvent(t *testing.T) {
	t.Run("checkout.session.completed", func(t *testing.T) {
		ev, err := stripe.CheckoutCompleted(stripe.Purchase{UserID: "usr_42", Tokens: 7})
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		h, err := stripe.Sign(body, testSecret, stripe.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := webhook.ConstructEvent(body, h, string(testSecret))
		if err != nil {
			t.Fatalf("ConstructEvent: %v", err)
		}
		if got.ID != ev.ID || got.Type != stripego.EventTypeCheckoutSessionCompleted {
			t.Fatalf("event id/type = %s/%s, want %s/checkout.session.completed", got.ID, got.Type, ev.ID)
		}
		var cs stripego.CheckoutSession
		if err := json.Unmarshal(got.Data.Raw, &cs); err != nil {
			t.Fatal(err)
		}
		if cs.ClientReferenceID != "usr_42" || cs.Metadata["tokens"] != "7" || cs.AmountTotal != 700 || cs.Currency != "usd" ||
			cs.PaymentStatus != stripego.CheckoutSessionPaymentStatusPaid || !strings.HasPrefix(cs.ID, "cs_test_") {
			t.Fatalf("session = %+v", cs)
		}
	})
	t.Run("payment_intent.succeeded", func(t *testing.T) {
		amount := int64(1234)
		ev, err := stripe.PaymentIntentSucceeded(stripe.Purchase{UserID: "usr_9", Tokens: 12, Amount: &amount, Currency: "eur",
			Metadata: map[string]string{"campaign": "spring", "tokens": "overridden"}})
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		h, err := stripe.Sign(body, testSecret, stripe.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := webhook.ConstructEvent(body, h, string(testSecret))
		if err != nil {
			t.Fatalf("ConstructEvent: %v", err)
		}
		var pi stripego.PaymentIntent
		if err := json.Unmarshal(got.Data.Raw, &pi); err != nil {
			t.Fatal(err)
		}
		if got.Type != stripego.EventTypePaymentIntentSucceeded || pi.Metadata["user_id"] != "usr_9" || pi.Metadata["tokens"] != "12" ||
			pi.Metadata["campaign"] != "spring" || pi.Amount != 1234 || pi.Currency != "eur" || pi.Status != stripego.PaymentIntentStatusSucceeded {
			t.Fatalf("event %s, intent = %+v", got.Type, pi)
		}
	})
}
