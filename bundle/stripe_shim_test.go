package bundle_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/stampede-load/stampede/stripe"
	"github.com/stampede-load/stampede/target"
)

const stripeEntry = "import stripe from 'k6/x/stripe';\nexport { stripe };\n"

// The shim's signatures must be byte-identical to the native Go package's
// for the same payload, secret and timestamp.
func TestStripeShimSignaturesMatchGo(t *testing.T) {
	vu := newShimVU(t, stripeEntry)
	long := strings.Repeat(`{"k":"0123456789abcdef"},`, 90)
	tests := []struct {
		name    string
		payload string
		secret  string
		rotated []string
		ts      int64
	}{
		{name: "event", payload: `{"id":"evt_1"}`, secret: "whsec_test", ts: 1700000000},
		{name: "empty payload", payload: "", secret: "whsec_test", ts: 1700000000},
		{name: "unicode payload", payload: `{"name":"Zoë ✓ 🚀 日本"}`, secret: "whsec_test", ts: 1700000001},
		{name: "newlines and quotes", payload: "{\n\t\"a\": \"b\\\"c\"\n}\r\n", secret: "whsec_test", ts: 42},
		{name: "2 KB payload", payload: long, secret: "whsec_test", ts: 1700000000},
		{name: "unicode secret", payload: "x", secret: "whsec_ünïcødé", ts: 1700000000},
		{name: "secret longer than a SHA-256 block", payload: "x", secret: "whsec_" + strings.Repeat("s", 100), ts: 1700000000},
		{name: "timestamp 0", payload: "x", secret: "whsec_test", ts: 0},
		{name: "negative timestamp", payload: "x", secret: "whsec_test", ts: -5},
		{name: "rotated secrets", payload: `{"id":"evt_2"}`, secret: "whsec_new", rotated: []string{"whsec_old", "whsec_older"}, ts: 1700000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rotated := make([]stripe.Secret, len(tt.rotated))
			for i, r := range tt.rotated {
				rotated[i] = stripe.Secret(r)
			}
			wantSig, err := stripe.Signature([]byte(tt.payload), stripe.Secret(tt.secret), tt.ts)
			if err != nil {
				t.Fatal(err)
			}
			wantHeader, err := stripe.Sign([]byte(tt.payload), stripe.Secret(tt.secret), stripe.SignOptions{Timestamp: time.Unix(tt.ts, 0), Rotated: rotated})
			if err != nil {
				t.Fatal(err)
			}
			vu.set(t, map[string]any{"payload": tt.payload, "secret": tt.secret, "ts": tt.ts, "rotated": tt.rotated})
			if got := vu.eval(t, "stripe.signature(payload, secret, ts)").String(); got != wantSig {
				t.Errorf("signature = %s, Go = %s", got, wantSig)
			}
			if got := vu.eval(t, "stripe.sign(payload, secret, { timestamp: ts, rotated })").String(); got != wantHeader {
				t.Errorf("sign = %s, Go = %s", got, wantHeader)
			}
			// A Date timestamp means the same second.
			if got := vu.eval(t, "stripe.sign(payload, secret, { timestamp: new Date(ts * 1000 + 999), rotated })").String(); got != wantHeader {
				t.Errorf("sign with a Date = %s, Go = %s", got, wantHeader)
			}
			// The other side's verifier accepts each.
			if err := stripe.Verify([]byte(tt.payload), wantHeader, stripe.Secret(tt.secret), stripe.VerifyOptions{IgnoreTolerance: true}); err != nil {
				t.Errorf("Go Verify of the shim's header: %v", err)
			}
			for _, s := range append([]string{tt.secret}, tt.rotated...) {
				vu.set(t, map[string]any{"header": wantHeader, "s": s})
				if got := vu.eval(t, "stripe.verify(payload, header, s, { tolerance: 1e12 })"); !got.ToBoolean() {
					t.Errorf("shim verify with secret %d = %v", len(s), got)
				}
			}
		})
	}
}

func TestStripeShimBinaryPayloadMatchesGo(t *testing.T) {
	vu := newShimVU(t, stripeEntry)
	raw := []byte{0xff, 0x00, 0x80, 'a', 0xc3}
	want, err := stripe.Signature(raw, "whsec_bin", 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	vu.set(t, map[string]any{"buf": vu.Sobek().NewArrayBuffer(raw)})
	for _, expr := range []string{
		"stripe.signature(buf, 'whsec_bin', 1700000000)",
		"stripe.signature(new Uint8Array(buf), 'whsec_bin', 1700000000)",
		"stripe.signature(new Uint8Array([9, 255, 0, 128, 97, 195]).subarray(1), 'whsec_bin', 1700000000)",
	} {
		if got := vu.eval(t, expr).String(); got != want {
			t.Errorf("%s = %s, Go = %s", expr, got, want)
		}
	}
}

// verifyReason classifies Go's Verify error like the shim's exception text.
func verifyReason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, stripe.ErrMalformedHeader):
		return "malformed Stripe-Signature header"
	case errors.Is(err, stripe.ErrNoValidSignature):
		return "no valid stripe signature"
	case errors.Is(err, stripe.ErrExpired):
		return "stripe signature expired"
	case errors.Is(err, stripe.ErrEmptySecret):
		return "stripe webhook secret is empty"
	}
	return err.Error()
}

// The shim's verify decides like the Go package, for the same reason.
func TestStripeShimVerifyAgreesWithGo(t *testing.T) {
	vu := newShimVU(t, stripeEntry)
	const payload, secret = `{"id":"evt_v"}`, "whsec_test"
	now := time.Now().Unix()
	sig := func(ts int64, s string) string {
		v, err := stripe.Signature([]byte(payload), stripe.Secret(s), ts)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	good, other := sig(now, secret), sig(now, "whsec_other")
	tests := []struct {
		name      string
		header    string
		secret    string
		tolerance int // seconds; 0 = default
	}{
		{name: "valid", header: "t=" + itoa(now) + ",v1=" + good},
		{name: "second v1 matches", header: "t=" + itoa(now) + ",v1=" + other + ",v1=" + good},
		{name: "v0 next to valid v1", header: "t=" + itoa(now) + ",v0=" + other + ",v1=" + good},
		{name: "uppercase hex", header: "t=" + itoa(now) + ",v1=" + strings.ToUpper(good)},
		{name: "spaces", header: " t=" + itoa(now) + " , v1=" + good + " "},
		{name: "unknown keys", header: "t=" + itoa(now) + ",foo=bar,v1=" + good},
		{name: "wrong secret", header: "t=" + itoa(now) + ",v1=" + other},
		{name: "v0 only", header: "t=" + itoa(now) + ",v0=" + good},
		{name: "no v1", header: "t=" + itoa(now)},
		{name: "short v1", header: "t=" + itoa(now) + ",v1=abcd"},
		{name: "tampered timestamp", header: "t=" + itoa(now+1) + ",v1=" + good},
		{name: "expired", header: "t=" + itoa(now-1000) + ",v1=" + sig(now-1000, secret)},
		{name: "expired and forged", header: "t=" + itoa(now-1000) + ",v1=" + other},
		{name: "custom tolerance", header: "t=" + itoa(now-60) + ",v1=" + sig(now-60, secret), tolerance: 30},
		{name: "within custom tolerance", header: "t=" + itoa(now-20) + ",v1=" + sig(now-20, secret), tolerance: 30},
		{name: "future timestamp", header: "t=" + itoa(now+3600) + ",v1=" + sig(now+3600, secret)},
		{name: "empty", header: ""},
		{name: "blank", header: "   "},
		{name: "no t", header: "v1=" + good},
		{name: "t not a number", header: "t=abc,v1=" + good},
		{name: "t float", header: "t=1.5,v1=" + good},
		{name: "two t", header: "t=1,t=2,v1=" + good},
		{name: "no equals", header: "t=1,v1"},
		{name: "empty key", header: "t=1,=abc"},
		{name: "two equals", header: "t=1,v1=a=b"},
		{name: "trailing comma", header: "t=1,v1=" + good + ","},
		{name: "not a header", header: "Bearer abc"},
		{name: "empty secret", header: "t=" + itoa(now) + ",v1=" + good, secret: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := secret
			if tt.secret == "-" {
				s = ""
			}
			goErr := stripe.Verify([]byte(payload), tt.header, stripe.Secret(s), stripe.VerifyOptions{Tolerance: time.Duration(tt.tolerance) * time.Second})
			want := verifyReason(goErr)
			vu.set(t, map[string]any{"payload": payload, "header": tt.header, "secret": s, "tol": tt.tolerance})
			got := vu.evalErr(t, "stripe.verify(payload, header, secret, tol ? { tolerance: tol } : undefined)")
			switch {
			case want == "" && got != "":
				t.Fatalf("shim throws %q, Go accepts", got)
			case want != "" && !strings.Contains(got, want):
				t.Fatalf("shim error %q, Go says %q", got, goErr)
			}
			if s != "" && strings.Contains(got, s) {
				t.Fatalf("the error %q contains the secret", got)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var stripeIDs = regexp.MustCompile(`"(evt|cs_test|cs_live|pi)_[0-9A-Za-z]{24}"`)

// Events built by the shim serialise exactly like the Go builders' (apart
// from their random ids), and decode as stripe-go events.
func TestStripeShimEventsMatchGo(t *testing.T) {
	vu := newShimVU(t, stripeEntry)
	created := time.Unix(1700000123, 0)
	amount := int64(1234)
	tests := []struct {
		name string
		js   string
		gof  func() (*stripe.Event, error)
	}{
		{
			name: "checkoutCompleted",
			js:   "stripe.checkoutCompleted({ userId: 'usr_42', tokens: 7, created: 1700000123 })",
			gof: func() (*stripe.Event, error) {
				return stripe.CheckoutCompleted(stripe.Purchase{UserID: "usr_42", Tokens: 7, Event: stripe.EventOptions{Created: created}})
			},
		},
		{
			name: "checkoutCompleted with amount, currency, metadata, livemode",
			js: "stripe.checkoutCompleted({ userId: 'usr_1', tokens: 3, amountTotal: 1234, currency: 'eur', livemode: true," +
				" metadata: { campaign: 'spring', tokens: 'overridden' }, created: 1700000123, apiVersion: '2024-06-20' })",
			gof: func() (*stripe.Event, error) {
				return stripe.CheckoutCompleted(stripe.Purchase{UserID: "usr_1", Tokens: 3, Amount: &amount, Currency: "eur",
					Metadata: map[string]string{"campaign": "spring", "tokens": "overridden"},
					Event:    stripe.EventOptions{Created: created, Livemode: true, APIVersion: "2024-06-20"}})
			},
		},
		{
			name: "paymentIntentSucceeded",
			js:   "stripe.paymentIntentSucceeded({ userId: 'usr_9', tokens: 12, amount: 1234, currency: 'eur', metadata: { campaign: 'spring' }, created: 1700000123 })",
			gof: func() (*stripe.Event, error) {
				return stripe.PaymentIntentSucceeded(stripe.Purchase{UserID: "usr_9", Tokens: 12, Amount: &amount, Currency: "eur",
					Metadata: map[string]string{"campaign": "spring"}, Event: stripe.EventOptions{Created: created}})
			},
		},
		{
			name: "event",
			js:   "stripe.event('customer.created', { id: 'cus_1', object: 'customer' }, { id: 'evt_fixed', created: new Date(1700000123000) })",
			gof: func() (*stripe.Event, error) {
				return stripe.NewEvent("customer.created", map[string]any{"id": "cus_1", "object": "customer"},
					stripe.EventOptions{ID: "evt_fixed", Created: created})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := tt.gof()
			if err != nil {
				t.Fatal(err)
			}
			goJSON, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			shimJSON := vu.eval(t, "JSON.stringify("+tt.js+")").String()
			norm := func(s string) string { return stripeIDs.ReplaceAllString(s, `"$1_ID"`) }
			if norm(shimJSON) != norm(string(goJSON)) {
				t.Fatalf("shim event:\n%s\nGo event:\n%s", shimJSON, goJSON)
			}
			// And stripe-go reads it, once signed by the shim.
			vu.set(t, map[string]any{"body": shimJSON})
			header := vu.eval(t, "stripe.sign(body, 'whsec_compat')").String()
			got, err := webhook.ConstructEventWithOptions([]byte(shimJSON), header, "whsec_compat", webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
			if err != nil {
				t.Fatalf("stripe-go ConstructEvent: %v", err)
			}
			var shimEv struct{ ID, Type string }
			if err := json.Unmarshal([]byte(shimJSON), &shimEv); err != nil {
				t.Fatal(err)
			}
			if got.ID != shimEv.ID || string(got.Type) != shimEv.Type || shimEv.Type != ev.Type {
				t.Fatalf("stripe-go read event %s/%s, the shim built %s/%s", got.ID, got.Type, shimEv.ID, shimEv.Type)
			}
		})
	}
}

func TestStripeShimEventIDsAreUnique(t *testing.T) {
	a, b := newShimVU(t, stripeEntry), newShimVU(t, stripeEntry)
	const n = 500
	ids := make(map[string]bool, 2*n)
	idRe := regexp.MustCompile(`^evt_[0-9A-Za-z]{24}$`)
	for _, vu := range []*shimVU{a, b} { // two VUs: two module instances
		v := vu.eval(t, "const ids = []; for (let i = 0; i < "+strconv.Itoa(n)+"; i++) ids.push(stripe.checkoutCompleted({ userId: 'usr_1', tokens: 1 }).id); ids")
		var got []string
		if err := vu.Sobek().ExportTo(v, &got); err != nil {
			t.Fatal(err)
		}
		for _, id := range got {
			if !idRe.MatchString(id) {
				t.Fatalf("id %q does not look like a Stripe event id", id)
			}
			if ids[id] {
				t.Fatalf("id %q repeated", id)
			}
			ids[id] = true
		}
	}
	if len(ids) != 2*n {
		t.Fatalf("%d ids, want %d", len(ids), 2*n)
	}
}

func TestStripeShimErrors(t *testing.T) {
	vu := newShimVU(t, stripeEntry)
	tests := []struct{ js, want string }{
		{"stripe.sign('x', '')", "sign: stripe webhook secret is empty"},
		{"stripe.sign('x', 'whsec_a', { scheme: 'v1,x' })", "invalid stripe signature scheme"},
		{"stripe.sign('x', 'whsec_a', { scheme: 't' })", "invalid stripe signature scheme"},
		{"stripe.sign('x', 'whsec_a', { rotated: [''] })", "rotated secret 0"},
		{"stripe.sign('x', 'whsec_a', { timestamp: 1.5 })", "not a whole number of Unix seconds"},
		{"stripe.signature(42, 'whsec_a', 1)", "the payload must be"},
		{"stripe.event('', {})", "the event type is empty"},
		{"stripe.checkoutCompleted({ tokens: 1 })", "userId is required"},
		{"stripe.paymentIntentSucceeded({ userId: 'u', tokens: 1.5 })", "is not a whole number"},
		{"stripe.webhook('http://127.0.0.1:1', {}, '')", "webhook: stripe webhook secret is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.js, func(t *testing.T) {
			if got := vu.evalErr(t, tt.js); !strings.Contains(got, tt.want) {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
		})
	}
	// The scheme option makes a v0 header, as the Go package does.
	want, _ := stripe.Sign([]byte("x"), "whsec_a", stripe.SignOptions{Timestamp: time.Unix(5, 0), Scheme: "v0"})
	if got := vu.eval(t, "stripe.sign('x', 'whsec_a', { timestamp: 5, scheme: 'v0' })").String(); got != want {
		t.Fatalf("v0 header %q, Go %q", got, want)
	}
}

// webhook() signs and POSTs through k6/http: the reference target credits
// the tokens and the request is an ordinary, tagged http_reqs sample.
func TestStripeShimWebhookAgainstTarget(t *testing.T) {
	srv, err := target.New(target.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	if _, err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	vu := newShimVU(t, "import http from 'k6/http';\n"+stripeEntry+"export { http };\n")
	vu.MoveToVUContext(vu.NewState())
	vu.set(t, map[string]any{"base": srv.URL(), "secret": srv.WebhookSecret().Reveal()})
	v := vu.eval(t, `
		const user = http.post(base + '/auth/anonymous').json();
		const ev = stripe.checkoutCompleted({ userId: user.userId, tokens: 5 });
		const first = stripe.webhook(base + '/webhooks/stripe', ev, secret, { tags: { name: 'webhook' }, headers: { 'X-Test': '1' } });
		const again = stripe.webhook(base + '/webhooks/stripe', JSON.stringify(ev), secret);
		const forged = stripe.webhook(base + '/webhooks/stripe', stripe.checkoutCompleted({ userId: user.userId, tokens: 5 }), 'whsec_wrong');
		[user.userId, first.status, first.json('credited'), again.json('duplicate'), forged.status, forged.json('error')]`)
	var got []any
	if err := vu.Sobek().ExportTo(v, &got); err != nil {
		t.Fatal(err)
	}
	userID, _ := got[0].(string)
	if got[1] != int64(200) || got[2] != int64(5) || got[3] != true || got[4] != int64(400) || got[5] != "invalid_signature" {
		t.Fatalf("results %v, want [user 200 5 true 400 invalid_signature]", got)
	}
	if bal, ok := srv.UserBalance(userID); !ok || bal != 5 {
		t.Fatalf("balance %d (%v), want 5", bal, ok)
	}
	var tagged int
	for _, s := range vu.SamplesOf("http_reqs") {
		if name, _ := s.Tags.Get("name"); name == "webhook" {
			tagged++
			if m, _ := s.Tags.Get("method"); m != "POST" {
				t.Errorf("method tag %q", m)
			}
		}
	}
	if tagged != 1 {
		t.Fatalf("%d http_reqs samples tagged name=webhook, want 1", tagged)
	}
	for _, e := range vu.Logs() {
		if strings.Contains(e.Message, srv.WebhookSecret().Reveal()) {
			t.Fatalf("a log entry contains the secret: %s", e.Message)
		}
	}
}
