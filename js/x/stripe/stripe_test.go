package stripe

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	stripelib "github.com/stampede-load/stampede/stripe"
)

const secret = "whsec_js_binding_secret"

func TestSignatureAndSignMatchGo(t *testing.T) {
	const ts = int64(1700000000)
	rotated := []stripelib.Secret{"whsec_old"}
	tests := []struct {
		name, js, payload string
		opts              stripelib.SignOptions
		signatureOnly     bool
	}{
		{name: "signature of a string", js: `stripe.signature('{"id":"evt_1"}', secret, 1700000000)`, payload: `{"id":"evt_1"}`, signatureOnly: true},
		{name: "signature of unicode", js: `stripe.signature("Zoë ✓ 🚀", secret, 1700000000)`, payload: "Zoë ✓ 🚀", signatureOnly: true},
		{name: "sign string", js: `stripe.sign('{"id":"evt_1"}', secret, { timestamp: 1700000000 })`, payload: `{"id":"evt_1"}`},
		{name: "sign ArrayBuffer", js: `stripe.sign(new Uint8Array([0, 255, 10]).buffer, secret, { timestamp: 1700000000 })`, payload: "\x00\xff\n"},
		{name: "sign view", js: `stripe.sign(new Uint8Array([9, 0, 255, 10, 9]).subarray(1, 4), secret, { timestamp: 1700000000 })`, payload: "\x00\xff\n"},
		{name: "sign object as JSON", js: `stripe.sign({ b: 1, a: "x" }, secret, { timestamp: 1700000000 })`, payload: `{"b":1,"a":"x"}`},
		{name: "sign Date", js: `stripe.sign("x", secret, { timestamp: new Date(1700000000 * 1000 + 999) })`, payload: "x"},
		{name: "sign v0", js: `stripe.sign("x", secret, { timestamp: 1700000000, scheme: "v0" })`, payload: "x", opts: stripelib.SignOptions{Scheme: "v0"}},
		{name: "sign rotated", js: `stripe.sign("x", secret, { timestamp: 1700000000, rotated: ["whsec_old"] })`, payload: "x", opts: stripelib.SignOptions{Rotated: rotated}},
		{name: "sign default timestamp is now", js: `stripe.sign("x", secret)`, payload: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vu := newTestVU(t, ts)
			vu.set(t, map[string]any{"secret": secret})
			got := vu.eval(t, tt.js).String()
			var want string
			var err error
			if tt.signatureOnly {
				want, err = stripelib.Signature([]byte(tt.payload), secret, ts)
			} else {
				opts := tt.opts
				opts.Timestamp = time.Unix(ts, 0)
				want, err = stripelib.Sign([]byte(tt.payload), secret, opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("%s = %q, want %q", tt.js, got, want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	now := time.Now().Unix()
	sig := func(ts int64, s string) string {
		h, err := stripelib.Signature([]byte("payload"), stripelib.Secret(s), ts)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	tests := []struct {
		name, header, opts, wantErr string
	}{
		{name: "valid", header: fmt.Sprintf("t=%d,v1=%s", now, sig(now, secret))},
		{name: "rotation", header: fmt.Sprintf("t=%d,v1=%s,v1=%s", now, sig(now, "whsec_old"), sig(now, secret))},
		{name: "v0 ignored", header: fmt.Sprintf("t=%d,v0=%s", now, sig(now, secret)), wantErr: "verify: no valid stripe signature: the header has no v1 signature"},
		{name: "wrong secret", header: fmt.Sprintf("t=%d,v1=%s", now, sig(now, "whsec_other")), wantErr: "verify: no valid stripe signature: none of the 1 v1 signatures"},
		{name: "expired", header: fmt.Sprintf("t=%d,v1=%s", now-1000, sig(now-1000, secret)), wantErr: "verify: stripe signature expired: timestamp"},
		{name: "custom tolerance", header: fmt.Sprintf("t=%d,v1=%s", now-60, sig(now-60, secret)), opts: "{ tolerance: 30 }", wantErr: "the tolerance is 30s"},
		{name: "within custom tolerance", header: fmt.Sprintf("t=%d,v1=%s", now-20, sig(now-20, secret)), opts: "{ tolerance: 30 }"},
		{name: "non-positive tolerance is the default", header: fmt.Sprintf("t=%d,v1=%s", now-100, sig(now-100, secret)), opts: "{ tolerance: 0 }"},
		{name: "malformed", header: "v1=abc", wantErr: "verify: malformed Stripe-Signature header: no timestamp (t)"},
		{name: "missing header", header: "", wantErr: "verify: malformed Stripe-Signature header: the header is empty"},
		{name: "unknown option", header: "t=1,v1=00", opts: "{ tolerence: 30 }", wantErr: `verify: unknown option field "tolerence"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vu := newTestVU(t, 0)
			vu.set(t, map[string]any{"secret": secret, "header": tt.header})
			opts := tt.opts
			if opts == "" {
				opts = "undefined"
			}
			js := "stripe.verify('payload', header, secret, " + opts + ")"
			if tt.wantErr == "" {
				if got := vu.eval(t, js); got.Export() != true {
					t.Fatalf("verify = %v, want true", got)
				}
				return
			}
			got := vu.evalErr(t, js)
			if !strings.Contains(got, tt.wantErr) {
				t.Fatalf("error %q, want %q", got, tt.wantErr)
			}
			noSecretIn(t, "verify error", got, secret)
		})
	}
}

// The binding's headers pass stripe-go's verification, and stripe-go's
// test-signed payloads (two v1 entries, expired) get the right verdict.
func TestStripeGoCompatibility(t *testing.T) {
	vu := newTestVU(t, 0)
	vu.set(t, map[string]any{"secret": secret})
	payload := []byte(`{"id":"evt_compat","object":"event"}`)
	vu.set(t, map[string]any{"payload": string(payload)})

	t.Run("our header, stripe-go verifies", func(t *testing.T) {
		h := vu.eval(t, `stripe.sign(payload, secret)`).String()
		if err := webhook.ValidatePayload(payload, h, secret); err != nil {
			t.Fatalf("stripe-go: %v", err)
		}
		rot := vu.eval(t, `stripe.sign(payload, "whsec_new", { rotated: [secret] })`).String()
		if err := webhook.ValidatePayload(payload, rot, secret); err != nil {
			t.Fatalf("stripe-go, rotated: %v", err)
		}
		old := vu.eval(t, `stripe.sign(payload, secret, { timestamp: Math.floor(Date.now() / 1000) - 600 })`).String()
		if err := webhook.ValidatePayload(payload, old, secret); err != webhook.ErrTooOld {
			t.Fatalf("stripe-go on an old header: %v, want ErrTooOld", err)
		}
	})
	t.Run("stripe-go header, we verify", func(t *testing.T) {
		gen := func(s string, ts time.Time) *webhook.SignedPayload {
			return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: s, Timestamp: ts})
		}
		now := time.Now()
		one := gen(secret, now)
		two := gen("whsec_old", now).Header + ",v1=" + hex.EncodeToString(gen(secret, now).Signature)
		expired := gen("whsec_old", now.Add(-time.Hour)).Header + ",v1=" + hex.EncodeToString(gen(secret, now.Add(-time.Hour)).Signature)
		for name, tc := range map[string]struct{ header, wantErr string }{
			"one v1":       {one.Header, ""},
			"two v1":       {two, ""},
			"expired":      {expired, "stripe signature expired"},
			"other secret": {gen("whsec_other", now).Header, "no valid stripe signature"},
		} {
			t.Run(name, func(t *testing.T) {
				vu.set(t, map[string]any{"header": tc.header})
				if tc.wantErr == "" {
					vu.eval(t, `stripe.verify(payload, header, secret)`)
					return
				}
				if got := vu.evalErr(t, `stripe.verify(payload, header, secret)`); !strings.Contains(got, tc.wantErr) {
					t.Fatalf("error %q, want %q", got, tc.wantErr)
				}
			})
		}
	})
}

func TestEvents(t *testing.T) {
	vu := newTestVU(t, 1700000000)
	tests := []struct {
		name, js, want string
	}{
		{"event shape", `const e = stripe.event("customer.created", { id: "cus_1" });
			JSON.stringify([e.object, e.api_version, e.created, e.data.object, e.livemode, e.pending_webhooks, e.request, e.type, /^evt_[0-9A-Za-z]{24}$/.test(e.id)])`,
			`["event","2025-08-27.basil",1700000000,{"id":"cus_1"},false,0,{"id":null,"idempotency_key":null},"customer.created",true]`},
		{"event key order", `Object.keys(stripe.event("x.y", {})).join()`, "id,object,api_version,created,data,livemode,pending_webhooks,request,type"},
		{"event options", `const e = stripe.event("x.y", null, { id: "evt_custom", created: new Date(5000), apiVersion: "2020-01-01", livemode: true });
			JSON.stringify([e.id, e.created, e.api_version, e.livemode, e.data.object])`, `["evt_custom",5,"2020-01-01",true,{}]`},
		{"event object by reference", `const o = { n: 1 }; stripe.event("x.y", o).data.object === o`, "true"},
		{"ids unique", `const ids = new Set(); for (let i = 0; i < 1000; i++) ids.add(stripe.event("x.y").id); ids.size`, "1000"},
		{"checkout", `const e = stripe.checkoutCompleted({ userId: "usr_1", tokens: 5 }); const o = e.data.object;
			JSON.stringify([e.type, o.object, o.client_reference_id, o.metadata, o.amount_total, o.currency, o.payment_status, /^cs_test_/.test(o.id), e.created])`,
			`["checkout.session.completed","checkout.session","usr_1",{"tokens":"5"},500,"usd","paid",true,1700000000]`},
		{"checkout options", `const e = stripe.checkoutCompleted({ userId: "usr_1", tokens: 2, amountTotal: 999, currency: "eur", metadata: { campaign: "x", tokens: "ignored" }, id: "evt_x", livemode: true });
			JSON.stringify([e.id, e.livemode, e.data.object.amount_total, e.data.object.currency, e.data.object.metadata, /^cs_live_/.test(e.data.object.id)])`,
			`["evt_x",true,999,"eur",{"campaign":"x","tokens":"2"},true]`},
		{"payment intent", `const e = stripe.paymentIntentSucceeded({ userId: "usr_2", tokens: 10, amount: 1234 }); const o = e.data.object;
			JSON.stringify([e.type, o.object, o.metadata, o.amount, o.amount_received, o.status])`,
			`["payment_intent.succeeded","payment_intent",{"tokens":"10","user_id":"usr_2"},1234,1234,"succeeded"]`},
		{"builder keys sorted like Go", `Object.keys(stripe.paymentIntentSucceeded({ userId: "u", tokens: 1 }).data.object).join()`,
			"amount,amount_received,created,currency,id,livemode,metadata,object,status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vu.eval(t, "{"+tt.js+"}").String(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// Ids stay unique across VUs (each has its own module instance).
func TestEventIDsUniqueAcrossVUs(t *testing.T) {
	const vus, per = 4, 500
	rts := make([]*testVU, vus)
	for i := range rts {
		rts[i] = newTestVU(t, 0)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for _, vu := range rts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := vu.RunScript(fmt.Sprintf(`Array.from({ length: %d }, () => stripe.checkoutCompleted({ userId: "u", tokens: 1 }).id).join(",")`, per))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range strings.Split(v.String(), ",") {
				seen[id] = true
			}
		}()
	}
	wg.Wait()
	if len(seen) != vus*per {
		t.Fatalf("%d unique ids, want %d", len(seen), vus*per)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ js, want string }{
		{`stripe.sign("x", "")`, "sign: stripe webhook secret is empty"},
		{`stripe.sign("x")`, "sign: stripe webhook secret is empty"},
		{`stripe.sign("x", 42)`, "sign: the stripe webhook secret must be a string"},
		{`stripe.sign("x", secret, { scheme: "v1,x" })`, "invalid stripe signature scheme"},
		{`stripe.sign("x", secret, { scheme: "t" })`, "invalid stripe signature scheme"},
		{`stripe.sign("x", secret, { rotated: [""] })`, "sign: rotated secret 0: stripe webhook secret is empty"},
		{`stripe.sign("x", secret, { rotated: secret })`, "rotated must be an array"},
		{`stripe.sign("x", secret, { timestamp: 1.5 })`, "timestamp 1.5 is not a whole number of Unix seconds"},
		{`stripe.sign("x", secret, { timestap: 1 })`, `unknown option field "timestap"`},
		{`stripe.signature(42, secret, 1)`, "signature: the payload must be a string, an ArrayBuffer or an event object"},
		{`stripe.signature([1], secret, 1)`, "the payload must be"},
		{`stripe.event("", {})`, "event: invalid stripe event: the event type is empty"},
		{`stripe.event("x.y", 5)`, "the object (second argument) must be an object"},
		{`stripe.checkoutCompleted({ tokens: 1 })`, "checkoutCompleted: invalid stripe event: userId is required"},
		{`stripe.checkoutCompleted({ userId: "u" })`, "checkoutCompleted: tokens is required"},
		{`stripe.checkoutCompleted({ userID: "u", tokens: 1 })`, `unknown purchase field "userID"`},
		{`stripe.checkoutCompleted()`, "userId is required"},
		{`stripe.paymentIntentSucceeded({ userId: "u", tokens: 1.5 })`, "tokens 1.5 is not a whole number"},
		{`stripe.paymentIntentSucceeded({ userId: "u", tokens: 1, amountTotal: 5 })`, `unknown purchase field "amountTotal"`},
		{`stripe.webhook("http://127.0.0.1:1", {}, "")`, "webhook: stripe webhook secret is empty"},
		{`stripe.webhook("http://127.0.0.1:1", {}, secret)`, "in the init context"},
	}
	for _, tt := range tests {
		t.Run(tt.js, func(t *testing.T) {
			vu := newTestVU(t, 0)
			vu.set(t, map[string]any{"secret": secret})
			got := vu.evalErr(t, tt.js)
			if !strings.Contains(got, tt.want) {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
			noSecretIn(t, "error", got, secret)
		})
	}
}

// webhookServer records what it receives and answers 200 {"received":true}.
type webhookServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
}

func newWebhookServer(t *testing.T) *webhookServer {
	ws := &webhookServer{}
	ws.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ws.mu.Lock()
		ws.bodies = append(ws.bodies, b)
		ws.heads = append(ws.heads, r.Header.Clone())
		ws.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"received":true}`)
	}))
	t.Cleanup(ws.Close)
	return ws
}

func TestWebhookSendsSignedRequests(t *testing.T) {
	ws := newWebhookServer(t)
	vu := newTestVU(t, 0)
	vu.MoveToVUContext(vu.NewState())
	vu.set(t, map[string]any{"secret": secret, "url": ws.URL + "/webhooks/stripe"})
	got := vu.eval(t, `
		const ev = stripe.checkoutCompleted({ userId: "usr_1", tokens: 3 });
		const r1 = stripe.webhook(url, ev, secret, { tags: { name: "webhook" }, headers: { "X-Test": "1", "stripe-signature": "forged" } });
		const r2 = stripe.webhook(url, JSON.stringify(ev), secret, { headers: { "content-type": "application/json; charset=utf-8" }, timestamp: 1700000000 });
		const r3 = stripe.webhook(url, new Uint8Array([123, 125]), secret, { scheme: "v0" });
		JSON.stringify([r1.status, r1.json("received"), r2.status, r3.status, typeof r1.timings.duration, ev.id])`).String()
	var res []any
	if err := json.Unmarshal([]byte(got), &res); err != nil {
		t.Fatal(err)
	}
	if res[0] != 200.0 || res[1] != true || res[2] != 200.0 || res[3] != 200.0 || res[4] != "number" {
		t.Fatalf("responses %v", res)
	}
	evID := res[5].(string)
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if len(ws.bodies) != 3 {
		t.Fatalf("%d requests, want 3", len(ws.bodies))
	}
	// 1: event object, serialised; the signature passes stripe-go's ConstructEvent.
	ev, err := webhook.ConstructEvent(ws.bodies[0], ws.heads[0].Get("Stripe-Signature"), secret)
	if err != nil {
		t.Fatalf("stripe-go ConstructEvent: %v (header %q)", err, ws.heads[0].Get("Stripe-Signature"))
	}
	if ev.ID != evID || ws.heads[0].Get("Content-Type") != "application/json" || ws.heads[0].Get("X-Test") != "1" || len(ws.heads[0].Values("Stripe-Signature")) != 1 {
		t.Fatalf("request 1: event %s, headers %v", ev.ID, ws.heads[0])
	}
	// 2: a string body is sent as is, with the given timestamp and content type.
	if !strings.HasPrefix(ws.heads[1].Get("Stripe-Signature"), "t=1700000000,v1=") ||
		ws.heads[1].Get("Content-Type") != "application/json; charset=utf-8" || len(ws.heads[1].Values("Content-Type")) != 1 {
		t.Fatalf("request 2 headers %v", ws.heads[1])
	}
	if err := stripelib.Verify(ws.bodies[1], ws.heads[1].Get("Stripe-Signature"), secret, stripelib.VerifyOptions{IgnoreTolerance: true}); err != nil {
		t.Fatalf("request 2: %v", err)
	}
	// 3: binary body, v0 scheme.
	if string(ws.bodies[2]) != "{}" || !strings.Contains(ws.heads[2].Get("Stripe-Signature"), ",v0=") {
		t.Fatalf("request 3: body %q header %q", ws.bodies[2], ws.heads[2].Get("Stripe-Signature"))
	}
	// Samples like any k6/http request, with the script's tags.
	var named int
	for _, s := range vu.SamplesOf("http_reqs") {
		if n, _ := s.Tags.Get("name"); n == "webhook" {
			named++
			if m, _ := s.Tags.Get("method"); m != "POST" {
				t.Errorf("method tag %q", m)
			}
		}
	}
	if named != 1 || len(vu.SamplesOf("http_req_duration")) != 3 {
		t.Fatalf("%d http_reqs tagged name=webhook (want 1), %d http_req_duration samples (want 3)", named, len(vu.SamplesOf("http_req_duration")))
	}
	for _, h := range ws.heads {
		for k, vs := range h {
			noSecretIn(t, "header "+k, strings.Join(vs, ","), secret)
		}
	}
	for _, b := range ws.bodies {
		noSecretIn(t, "body", string(b), secret)
	}
}

func TestWebhookSecretNeverLeaks(t *testing.T) {
	vu := newTestVU(t, 0)
	vu.MoveToVUContext(vu.NewState())
	vu.set(t, map[string]any{"secret": secret})
	// A refused connection: the Response carries the error, not the secret.
	out := vu.eval(t, `const r = stripe.webhook("http://127.0.0.1:1/webhooks/stripe", { id: "evt_1" }, secret);
		JSON.stringify({ status: r.status, error: r.error, code: r.error_code, request: r.request, headers: r.headers })`).String()
	if !strings.Contains(out, `"status":0`) {
		t.Fatalf("response %s, want status 0", out)
	}
	noSecretIn(t, "response", out, secret)
	for _, e := range vu.Logs() {
		s, _ := e.String()
		noSecretIn(t, "log entry", s, secret)
	}
}
