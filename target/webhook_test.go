package target

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
)

// hmacHeader builds a Stripe-Signature by hand (plain HMAC), to check the
// target against the spec independently of stripe-go.
func hmacHeader(payload []byte, ts int64, secrets ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t=%d", ts)
	for _, sec := range secrets {
		m := hmac.New(sha256.New, []byte(sec))
		fmt.Fprintf(m, "%d.", ts)
		m.Write(payload)
		fmt.Fprintf(&b, ",v1=%s", hex.EncodeToString(m.Sum(nil)))
	}
	return b.String()
}

func TestWebhookSignature(t *testing.T) {
	s, clk := manualServer(t)
	c := direct(t, s)
	id, _ := c.newUser()
	now := clk.Now()
	ts := now.Unix()
	secret := testSecret.Reveal()
	n := 0
	payload := func() []byte { n++; return checkoutEvent(fmt.Sprintf("evt_sig_%d", n), id, "1") }

	tests := []struct {
		name    string
		header  func(p []byte) string
		code    int
		errCode string
	}{
		{"stripe-go signed", func(p []byte) string { return sign(p, now, testSecret) }, 200, ""},
		{"plain HMAC", func(p []byte) string { return hmacHeader(p, ts, secret) }, 200, ""},
		{"rotation: second v1 matches", func(p []byte) string { return hmacHeader(p, ts, "whsec_old", secret) }, 200, ""},
		{"rotation: first v1 matches", func(p []byte) string { return hmacHeader(p, ts, secret, "whsec_new") }, 200, ""},
		{"v0 and unknown schemes ignored", func(p []byte) string { return hmacHeader(p, ts, secret) + ",v0=abcd,x=y" }, 200, ""},
		{"invalid hex v1 ignored when another matches", func(p []byte) string { return hmacHeader(p, ts, secret) + ",v1=zz" }, 200, ""},
		{"just within tolerance", func(p []byte) string { return hmacHeader(p, ts-300, secret) }, 200, ""},
		{"timestamp in the future", func(p []byte) string { return hmacHeader(p, ts+60, secret) }, 200, ""},
		{"expired", func(p []byte) string { return hmacHeader(p, ts-301, secret) }, 400, "signature_expired"},
		{"expired and wrong", func(p []byte) string { return hmacHeader(p, ts-3600, "whsec_wrong") }, 400, "signature_expired"},
		{"wrong secret", func(p []byte) string { return hmacHeader(p, ts, "whsec_wrong") }, 400, "invalid_signature"},
		{"signature of another body", func(p []byte) string { return hmacHeader([]byte("{}"), ts, secret) }, 400, "invalid_signature"},
		{"signature for another time", func(p []byte) string {
			return strings.Replace(hmacHeader(p, ts, secret), fmt.Sprint(ts), fmt.Sprint(ts-1), 1)
		}, 400, "invalid_signature"},
		{"missing header", func([]byte) string { return "" }, 400, "invalid_signature_header"},
		{"garbage header", func([]byte) string { return "garbage" }, 400, "invalid_signature_header"},
		{"no timestamp", func(p []byte) string { return strings.SplitN(hmacHeader(p, ts, secret), ",", 2)[1] }, 400, "invalid_signature_header"},
		{"non-numeric timestamp", func(p []byte) string {
			return strings.Replace(hmacHeader(p, ts, secret), fmt.Sprint(ts), "soon", 1)
		}, 400, "invalid_signature_header"},
		{"no v1", func([]byte) string { return fmt.Sprintf("t=%d", ts) }, 400, "invalid_signature_header"},
		{"only v0", func([]byte) string { return fmt.Sprintf("t=%d,v0=abcd", ts) }, 400, "invalid_signature_header"},
		{"non-hex v1 only", func([]byte) string { return fmt.Sprintf("t=%d,v1=xyz", ts) }, 400, "invalid_signature_header"},
		{"pair without =", func(p []byte) string { return hmacHeader(p, ts, secret) + ",v1" }, 400, "invalid_signature_header"},
		{"pair with two =", func(p []byte) string { return hmacHeader(p, ts, secret) + ",v1=a=b" }, 400, "invalid_signature_header"},
	}
	wantCredited := int64(0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := payload()
			before := takeSnapshot(s)
			r := c.do("POST", "/webhooks/stripe", "", p, "Stripe-Signature", tc.header(p))
			if tc.code == 200 {
				wantCredited++
				if r.code != 200 || r.body["received"] != true || r.num("credited") != 1 {
					t.Fatalf("got %v, want credited 1", r)
				}
				return
			}
			wantErr(t, r, tc.code, tc.errCode)
			if strings.Contains(string(r.raw), secret) {
				t.Fatal("the secret leaked into an error answer")
			}
			if after := takeSnapshot(s); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("a rejected webhook changed state")
			}
		})
	}
	bal, _ := s.UserBalance(id)
	st := s.Stats()
	if bal != wantCredited || st.TokensCredited != wantCredited || st.Webhooks.Credited != wantCredited ||
		st.Webhooks.Rejected != int64(len(tests))-wantCredited {
		t.Fatalf("balance %d, stats %+v; want %d credited", bal, st, wantCredited)
	}
}

func TestWebhookEvents(t *testing.T) {
	s, clk := manualServer(t)
	c := direct(t, s)
	id, _ := c.newUser()

	type want struct {
		code     int
		errCode  string
		credited int64
		ignored  string
		dup      bool
	}
	tests := []struct {
		name string
		body string
		want want
	}{
		{"checkout credits", string(checkoutEvent("evt_1", id, "7")), want{code: 200, credited: 7}},
		{"payment intent credits", string(paymentEvent("evt_2", id, "1000")), want{code: 200, credited: 1000}},
		{"duplicate id", string(paymentEvent("evt_2", id, "5")), want{code: 200, dup: true}},
		{"duplicate of another type", string(checkoutEvent("evt_1", id, "5")), want{code: 200, dup: true}},
		{"no object field is fine", `{"id":"evt_3","type":"checkout.session.completed","data":{"object":{"client_reference_id":"` + id + `","metadata":{"tokens":"2"}}}}`, want{code: 200, credited: 2}},
		{"api version mismatch ignored", `{"id":"evt_4","object":"event","api_version":"1999-01-01","type":"payment_intent.succeeded","data":{"object":{"metadata":{"user_id":"` + id + `","tokens":"3"}}}}`, want{code: 200, credited: 3}},
		{"leading zeros", string(checkoutEvent("evt_5", id, "0009")), want{code: 200, credited: 9}},
		{"other type", `{"id":"evt_6","object":"event","type":"customer.created","data":{"object":{}}}`, want{code: 200, ignored: "unhandled_event_type"}},
		{"unknown user", string(checkoutEvent("evt_7", "usr_nobody", "5")), want{code: 200, ignored: "unknown_user"}},
		{"checkout without client_reference_id", `{"id":"evt_8","type":"checkout.session.completed","data":{"object":{"metadata":{"tokens":"5","user_id":"` + id + `"}}}}`, want{code: 200, ignored: "missing_user"}},
		{"null client_reference_id", `{"id":"evt_9","type":"checkout.session.completed","data":{"object":{"client_reference_id":null,"metadata":{"tokens":"5"}}}}`, want{code: 200, ignored: "missing_user"}},
		{"payment without user_id", `{"id":"evt_10","type":"payment_intent.succeeded","data":{"object":{"client_reference_id":"` + id + `","metadata":{"tokens":"5"}}}}`, want{code: 200, ignored: "missing_user"}},
		{"zero tokens", string(checkoutEvent("evt_11", id, "0")), want{code: 200, ignored: "invalid_tokens"}},
		{"too many tokens", string(checkoutEvent("evt_12", id, "1001")), want{code: 200, ignored: "invalid_tokens"}},
		{"negative tokens", string(checkoutEvent("evt_13", id, "-5")), want{code: 200, ignored: "invalid_tokens"}},
		{"signed tokens", string(checkoutEvent("evt_14", id, "+5")), want{code: 200, ignored: "invalid_tokens"}},
		{"fractional tokens", string(checkoutEvent("evt_15", id, "1.5")), want{code: 200, ignored: "invalid_tokens"}},
		{"empty tokens", string(checkoutEvent("evt_16", id, "")), want{code: 200, ignored: "invalid_tokens"}},
		{"missing tokens", `{"id":"evt_17","type":"checkout.session.completed","data":{"object":{"client_reference_id":"` + id + `"}}}`, want{code: 200, ignored: "invalid_tokens"}},
		{"numeric tokens", `{"id":"evt_18","type":"checkout.session.completed","data":{"object":{"client_reference_id":"` + id + `","metadata":{"tokens":5}}}}`, want{code: 200, ignored: "malformed_object"}},
		{"metadata not an object", `{"id":"evt_19","type":"checkout.session.completed","data":{"object":{"client_reference_id":"` + id + `","metadata":"x"}}}`, want{code: 200, ignored: "malformed_object"}},
		{"not JSON", `hello`, want{code: 400, errCode: "invalid_event"}},
		{"JSON array", `[]`, want{code: 400, errCode: "invalid_event"}},
		{"empty body", ``, want{code: 400, errCode: "invalid_event"}},
		{"missing id", `{"type":"checkout.session.completed","data":{"object":{}}}`, want{code: 400, errCode: "invalid_event"}},
		{"missing type", `{"id":"evt_20","data":{"object":{}}}`, want{code: 400, errCode: "invalid_event"}},
		{"id wrong type", `{"id":20,"type":"x","data":{"object":{}}}`, want{code: 400, errCode: "invalid_event"}},
		{"not an event object", `{"id":"cs_1","object":"checkout.session","type":"x","data":{"object":{}}}`, want{code: 400, errCode: "invalid_event"}},
		{"missing data", `{"id":"evt_21","object":"event","type":"checkout.session.completed"}`, want{code: 400, errCode: "invalid_event"}},
		{"data.object not an object", `{"id":"evt_22","type":"checkout.session.completed","data":{"object":"x"}}`, want{code: 400, errCode: "invalid_event"}},
		{"rejected id is not consumed", string(checkoutEvent("evt_22", id, "4")), want{code: 200, credited: 4}},
	}
	var credited int64
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.webhook([]byte(tc.body), clk.Now())
			w := tc.want
			if w.code != 200 {
				wantErr(t, r, w.code, w.errCode)
				return
			}
			credited += w.credited
			ok := r.code == 200 && r.body["received"] == true
			switch {
			case w.credited > 0:
				ok = ok && r.num("credited") == w.credited && len(r.body) == 2
			case w.dup:
				ok = ok && r.body["duplicate"] == true && len(r.body) == 2
			default:
				ok = ok && r.str("ignored") == w.ignored && len(r.body) == 2
			}
			if !ok {
				t.Fatalf("got %v, want %+v", r, w)
			}
		})
	}
	if bal, _ := s.UserBalance(id); bal != credited {
		t.Fatalf("balance %d, want %d", bal, credited)
	}
	st := s.Stats().Webhooks
	if st.Duplicate != 2 || st.Ignored != 14 || st.Rejected != 9 || st.Credited != 6 {
		t.Fatalf("webhook stats %+v", st)
	}
	checkInvariants(t, s)
}

func TestWebhookTolerance(t *testing.T) {
	// The tolerance follows the injected clock, so a fake clock in the past
	// makes a signature made "now" in real time valid again.
	s, clk := manualServer(t)
	c := direct(t, s)
	id, _ := c.newUser()
	p := checkoutEvent("evt_tol", id, "1")
	signedAt := clk.Now()
	clk.Advance(WebhookTolerance + time.Second)
	wantErr(t, c.webhook(p, signedAt), 400, "signature_expired")
	if r := c.webhook(p, clk.Now()); r.num("credited") != 1 {
		t.Fatalf("fresh signature: %v", r)
	}
}

func TestEventRetention(t *testing.T) {
	clk := newFakeClock()
	s := newServer(t, Config{Clock: clk.Now, MatchInterval: time.Hour, EventRetention: time.Minute})
	c := direct(t, s)
	id, _ := c.newUser()
	p := checkoutEvent("evt_ret", id, "1")
	c.webhook(p, clk.Now())
	clk.Advance(time.Minute)
	s.w.tick() // rotation 1: the id moves to the previous generation
	if r := c.webhook(p, clk.Now()); r.body["duplicate"] != true {
		t.Fatalf("duplicate within retention: %v", r)
	}
	clk.Advance(time.Minute)
	s.w.tick() // rotation 2: forgotten
	if r := c.webhook(p, clk.Now()); r.num("credited") != 1 {
		t.Fatalf("after twice the retention: %v", r)
	}
}
