package bundle_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/js/modulestest"
	_ "github.com/stampede-load/stampede/js/x/stripe" // the native k6/x/stripe, to compare with
)

// stripePair is one test VU with the native k6/x/stripe and one with the
// shim, in the VU context.
func stripePair(t *testing.T) (native, shim *modulestest.Runtime) {
	t.Helper()
	shim = newShimVU(t, "import * as stripe from 'k6/x/stripe';\nexport { stripe };\n").Runtime
	native = modulestest.New(t)
	if _, err := native.RunScript("var stripe = require('k6/x/stripe');"); err != nil {
		t.Fatal(err)
	}
	native.MoveToVUContext(native.NewState())
	shim.MoveToVUContext(shim.NewState())
	return native, shim
}

var (
	// Generated ids differ from run to run; ages in messages may differ by a second.
	volatile = []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`(evt|cs_test|cs_live|pi)_[0-9A-Za-z]{24}`), "${1}_ID"},
		{regexp.MustCompile(`is -?\d+s old`), "is Ns old"},
	}
	// The exception's text from the function's name on: "sign: ...".
	exception = regexp.MustCompile(`(?:GoError|TypeError|Error): (.*?)(?: at |\n|$)`)
)

func normalize(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// outcome is a snippet's JSON result, or its exception class and message.
func outcome(rt *modulestest.Runtime, body string) string {
	v, err := rt.RunScript(`JSON.stringify((function(){ ` + body + ` })())`)
	if err != nil {
		m := exception.FindStringSubmatch(err.Error())
		if m == nil {
			return "exception: " + err.Error()
		}
		kind := "Error"
		if strings.Contains(err.Error(), "TypeError:") {
			kind = "TypeError"
		}
		return kind + ": " + normalize(m[1])
	}
	return normalize(v.String())
}

// The shim behaves like the native k6/x/stripe, call by call: results,
// exceptions (class and message) and what webhook() sends.
func TestStripeShimMatchesNative(t *testing.T) {
	// echo answers with the request it got.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var names []string
		for k := range r.Header {
			if k != "User-Agent" && k != "Accept-Encoding" && k != "Content-Length" {
				names = append(names, k+"="+strings.Join(r.Header[k], "|"))
			}
		}
		sort.Strings(names)
		b, _ := json.Marshal(map[string]any{"method": r.Method, "path": r.URL.Path, "headers": names, "body": string(body)})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(echo.Close)

	// One "now" for both runtimes: each computing its own made messages with
	// a timestamp in them differ when a second ended between the two runs.
	// The cases that read the clock accept a few seconds after it.
	prelude := "var secret = 'whsec_diff'; var now = " + strconv.FormatInt(time.Now().Unix(), 10) + "; " +
		"function recent(t) { return t >= now && t <= now + 5; } "
	tests := []struct{ name, body string }{
		{"constants", "return [stripe.SIGNATURE_HEADER, stripe.DEFAULT_API_VERSION, stripe.DEFAULT_TOLERANCE_SECONDS, typeof stripe.default.sign]"},
		{"exports", "return [Object.keys(stripe).sort(), Object.keys(stripe.default).filter((k) => k !== 'default').sort()]"}, // natively default is the namespace itself
		{"signature", "return [stripe.signature('{\"id\":1}', secret, 1700000000), stripe.signature('Zoë ✓ 🚀', secret, '5'), stripe.signature('', secret, new Date(1700000000999))]"},
		{"signature of bytes", "return [stripe.signature(new Uint8Array([0, 255, 10]).buffer, secret, 1), stripe.signature(new Uint8Array([9, 0, 255, 10, 9]).subarray(1, 4), secret, 1)]"},
		{"signature of an object", "return stripe.signature({ b: 1, a: 'x', n: null }, secret, 1)"},
		{"signature with a binary secret", "return stripe.signature('x', new Uint8Array([1, 2, 3]).buffer, 1)"},
		{"sign", "return [stripe.sign('x', secret, { timestamp: 1700000000 }), stripe.sign('x', secret, { timestamp: 7, scheme: 'v0' }), stripe.sign('x', secret, { timestamp: 7, rotated: ['whsec_a', 'whsec_b'] })]"},
		{"sign now", "const h = stripe.sign('x', secret); return [recent(+h.slice(2, h.indexOf(','))), /^t=\\d+,v1=[0-9a-f]{64}$/.test(h)]"},
		{"verify valid and rotated", "return [stripe.verify('x', stripe.sign('x', secret), secret), stripe.verify('x', stripe.sign('x', 'whsec_old', { rotated: [secret] }), secret)]"},
		{"verify wrong secret", "return stripe.verify('x', stripe.sign('x', 'whsec_other'), secret)"},
		{"verify expired", "return stripe.verify('x', stripe.sign('x', secret, { timestamp: now - 1000 }), secret)"},
		{"verify custom tolerance", "return stripe.verify('x', stripe.sign('x', secret, { timestamp: now - 60 }), secret, { tolerance: 30 })"},
		{"verify zero tolerance", "return stripe.verify('x', stripe.sign('x', secret, { timestamp: now - 100 }), secret, { tolerance: 0 })"},
		{"verify v0 only", "return stripe.verify('x', stripe.sign('x', secret, { scheme: 'v0' }), secret)"},
		{"verify malformed", "return stripe.verify('x', 'v1=abc', secret)"},
		{"verify no header", "return stripe.verify('x', undefined, secret)"},
		{"verify unknown option", "return stripe.verify('x', 't=1,v1=00', secret, { tolerence: 30 })"},
		{"verify object payload", "const ev = { id: 'evt_1' }; return stripe.verify(ev, stripe.sign(JSON.stringify(ev), secret), secret)"},
		{"event", "return stripe.event('customer.created', { id: 'cus_1', nested: { a: [1, 2] } }, { id: 'evt_fixed', created: 5, apiVersion: 'v', livemode: true })"},
		{"event defaults", "const e = stripe.event('a.b'); return [e.id.startsWith('evt_'), recent(e.created), e.api_version, e.livemode, e.data, Object.keys(e)]"},
		{"event keeps the object by reference", "const o = { x: 1 }; const e = stripe.event('a.b', o, { created: 1 }); o.x = 2; return e.data.object.x"},
		{"checkoutCompleted", "return stripe.checkoutCompleted({ userId: 'usr_1', tokens: 3, created: 1700000000 })"},
		{"checkoutCompleted with everything", "return stripe.checkoutCompleted({ userId: 'usr_1', tokens: 3, amountTotal: 1234, currency: 'eur', metadata: { tokens: 'x', a: 1 }, id: 'evt_mine', created: new Date(5000), apiVersion: 'v1', livemode: true })"},
		{"paymentIntentSucceeded", "return stripe.paymentIntentSucceeded({ userId: 'usr_9', tokens: 12, amount: 99, currency: '', metadata: { campaign: 'spring' }, created: 1 })"},
		{"builder ids are unique", "const a = stripe.checkoutCompleted({ userId: 'u', tokens: 1 }), b = stripe.checkoutCompleted({ userId: 'u', tokens: 1 }); return [a.id !== b.id, a.data.object.id !== b.data.object.id, a.data.object.payment_intent !== b.data.object.payment_intent]"},
		{"error: empty secret", "return stripe.sign('x', '')"},
		{"error: no secret", "return stripe.signature('x')"},
		{"error: secret not a string", "return stripe.sign('x', 42)"},
		{"error: bad payload", "return stripe.sign(42, secret)"},
		{"error: array payload", "return stripe.sign([1], secret)"},
		{"error: bad timestamp", "return stripe.sign('x', secret, { timestamp: 1.5 })"},
		{"error: timestamp not a number", "return stripe.signature('x', secret, 'soon')"},
		{"error: unknown sign option", "return stripe.sign('x', secret, { timestmap: 1 })"},
		{"error: options not an object", "return stripe.sign('x', secret, 5)"},
		{"error: bad scheme", "return stripe.sign('x', secret, { scheme: 'v1,x' })"},
		{"error: scheme t", "return stripe.sign('x', secret, { scheme: 't' })"},
		{"error: rotated not an array", "return stripe.sign('x', secret, { rotated: 'whsec_a' })"},
		{"error: empty rotated secret", "return stripe.sign('x', secret, { rotated: ['whsec_a', ''] })"},
		{"error: empty event type", "return stripe.event('', {})"},
		{"error: event object not an object", "return stripe.event('a.b', 5)"},
		{"error: unknown event option", "return stripe.event('a.b', {}, { ID: 'x' })"},
		{"error: no userId", "return stripe.checkoutCompleted({ tokens: 1 })"},
		{"error: no purchase", "return stripe.paymentIntentSucceeded()"},
		{"error: purchase not an object", "return stripe.checkoutCompleted('usr_1')"},
		{"error: no tokens", "return stripe.checkoutCompleted({ userId: 'u' })"},
		{"error: fractional tokens", "return stripe.paymentIntentSucceeded({ userId: 'u', tokens: 1.5 })"},
		{"error: fractional amount", "return stripe.checkoutCompleted({ userId: 'u', tokens: 1, amountTotal: 0.5 })"},
		{"error: amount on checkout", "return stripe.checkoutCompleted({ userId: 'u', tokens: 1, amount: 5 })"},
		{"error: bad metadata", "return stripe.checkoutCompleted({ userId: 'u', tokens: 1, metadata: 'x' })"},
		{"error: bad created", "return stripe.checkoutCompleted({ userId: 'u', tokens: 1, created: 'later' })"},
		{"error: webhook without secret", "return stripe.webhook(URL, {}, '')"},
		{"error: webhook params not an object", "return stripe.webhook(URL, {}, secret, 5)"},
		{"error: webhook headers not an object", "return stripe.webhook(URL, {}, secret, { headers: 5 })"},
		{"webhook", "const r = stripe.webhook(URL + '/hook', stripe.event('a.b', { x: 1 }, { id: 'evt_1', created: 5 }), secret, { timestamp: 1700000000, headers: { 'X-Test': 'yes', 'stripe-signature': 'forged' }, tags: { name: 'hook' } }); return [r.status, r.json()]"},
		{"webhook with a string, a scheme and a content type", "const r = stripe.webhook(URL, 'raw body', secret, { timestamp: 9, scheme: 'v0', headers: { 'content-type': 'text/plain' } }); return [r.status, r.json()]"},
		{"webhook with bytes", "const r = stripe.webhook(URL, new Uint8Array([104, 105, 33, 0]).subarray(0, 3), secret, { timestamp: 9 }); return r.json()"},
		{"webhook now", "const r = stripe.webhook(URL, 'x', secret); const h = r.json().headers.find((s) => s.startsWith('Stripe-Signature=')); return recent(+h.slice('Stripe-Signature=t='.length, h.indexOf(',')))"},
		{"webhook throw option", "return stripe.webhook('http://127.0.0.1:1', 'x', secret, { timestamp: 9, timeout: '1s' }).status"},
	}
	// How what both give must begin where agreeing is not enough: the
	// cases that read the clock.
	expect := map[string]string{"sign now": "[true,true]", "event defaults": "[true,true,", "webhook now": "true"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			native, shim := stripePair(t)
			for _, rt := range []*modulestest.Runtime{native, shim} {
				if err := rt.Sobek().Set("URL", echo.URL); err != nil {
					t.Fatal(err)
				}
			}
			want := outcome(native, prelude+tt.body)
			got := outcome(shim, prelude+tt.body)
			if got != want {
				t.Fatalf("outcomes differ\nshim:   %s\nnative: %s", got, want)
			}
			if e, ok := expect[tt.name]; ok && !strings.HasPrefix(want, e) {
				t.Fatalf("both give %s, want it to begin with %s", want, e)
			}
			if strings.Contains(got, "whsec_diff") {
				t.Fatalf("the outcome shows the secret: %s", got)
			}
		})
	}
}
