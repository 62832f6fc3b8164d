package stripe_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/stripe"
)

const (
	testSecret    = stripe.Secret("whsec_test_secret")
	rotatedSecret = stripe.Secret("whsec_rotated")
	testPayload   = `{"id":"evt_1"}`
	testTS        = int64(1700000000)
	// openssl: printf '1700000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac <secret>
	testSig    = "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a"
	rotatedSig = "b512a29addee8372eec5e716e7e660fae9873e83b13c255f5b07c8ad9efca4a4"
)

func fixedNow(unix int64) func() time.Time { return func() time.Time { return time.Unix(unix, 0) } }

func TestSignature(t *testing.T) {
	got, err := stripe.Signature([]byte(testPayload), testSecret, testTS)
	if err != nil {
		t.Fatal(err)
	}
	if got != testSig {
		t.Fatalf("Signature = %s, want %s (openssl)", got, testSig)
	}
	if _, err := stripe.Signature([]byte(testPayload), "", testTS); !errors.Is(err, stripe.ErrEmptySecret) {
		t.Fatalf("empty secret: err = %v, want ErrEmptySecret", err)
	}
}

func TestSign(t *testing.T) {
	tests := []struct {
		name    string
		opts    stripe.SignOptions
		want    string
		wantErr error
	}{
		{name: "timestamp", opts: stripe.SignOptions{Timestamp: time.Unix(testTS, 0)}, want: "t=1700000000,v1=" + testSig},
		{name: "clock", opts: stripe.SignOptions{Now: fixedNow(testTS)}, want: "t=1700000000,v1=" + testSig},
		{name: "explicit v1", opts: stripe.SignOptions{Timestamp: time.Unix(testTS, 0), Scheme: "v1"}, want: "t=1700000000,v1=" + testSig},
		{name: "v0 scheme", opts: stripe.SignOptions{Timestamp: time.Unix(testTS, 0), Scheme: "v0"}, want: "t=1700000000,v0=" + testSig},
		{name: "rotated", opts: stripe.SignOptions{Timestamp: time.Unix(testTS, 0), Rotated: []stripe.Secret{rotatedSecret}},
			want: "t=1700000000,v1=" + testSig + ",v1=" + rotatedSig},
		{name: "bad scheme", opts: stripe.SignOptions{Scheme: "v1,x"}, wantErr: stripe.ErrInvalidScheme},
		{name: "scheme t", opts: stripe.SignOptions{Scheme: "t"}, wantErr: stripe.ErrInvalidScheme},
		{name: "empty rotated", opts: stripe.SignOptions{Rotated: []stripe.Secret{""}}, wantErr: stripe.ErrEmptySecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stripe.Sign([]byte(testPayload), testSecret, tt.opts)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("Sign = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSignNowByDefault(t *testing.T) {
	before := time.Now().Unix()
	h, err := stripe.Sign([]byte(testPayload), testSecret, stripe.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := stripe.ParseHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	if after := time.Now().Unix(); parsed.Timestamp < before || parsed.Timestamp > after {
		t.Fatalf("timestamp %d not in [%d, %d]", parsed.Timestamp, before, after)
	}
}

func TestSignerHeader(t *testing.T) {
	s, err := stripe.NewSigner(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // pooled HMAC state must be reset between uses
		h, err := s.Header([]byte(testPayload), testTS, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := "t=1700000000,v1=" + testSig; h != want {
			t.Fatalf("use %d: Header = %q, want %q", i, h, want)
		}
	}
	if _, err := stripe.NewSigner(""); !errors.Is(err, stripe.ErrEmptySecret) {
		t.Fatalf("NewSigner(\"\"): err = %v, want ErrEmptySecret", err)
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		wantTS  int64
		wantV1  int
		wantErr bool
	}{
		{name: "one v1", header: "t=1700000000,v1=" + testSig, wantTS: testTS, wantV1: 1},
		{name: "two v1 and v0", header: "t=5,v1=" + testSig + ",v1=" + rotatedSig + ",v0=" + testSig, wantTS: 5, wantV1: 2},
		{name: "spaces", header: " t=5 , v1=" + testSig + " ", wantTS: 5, wantV1: 1},
		{name: "unknown keys ignored", header: "t=5,foo=bar,v1=" + testSig, wantTS: 5, wantV1: 1},
		{name: "non-hex v1 ignored", header: "t=5,v1=zz,v1=" + testSig, wantTS: 5, wantV1: 1},
		{name: "short v1 ignored", header: "t=5,v1=abcd", wantTS: 5, wantV1: 0},
		{name: "no v1", header: "t=5", wantTS: 5, wantV1: 0},
		{name: "negative t", header: "t=-5,v1=" + testSig, wantTS: -5, wantV1: 1},
		{name: "empty", header: "", wantErr: true},
		{name: "blank", header: "   ", wantErr: true},
		{name: "no t", header: "v1=" + testSig, wantErr: true},
		{name: "t not a number", header: "t=abc,v1=" + testSig, wantErr: true},
		{name: "t float", header: "t=1.5,v1=" + testSig, wantErr: true},
		{name: "two t", header: "t=1,t=2,v1=" + testSig, wantErr: true},
		{name: "no equals", header: "t=1,v1", wantErr: true},
		{name: "empty key", header: "t=1,=abc", wantErr: true},
		{name: "two equals", header: "t=1,v1=a=b", wantErr: true},
		{name: "trailing comma", header: "t=1,v1=" + testSig + ",", wantErr: true},
		{name: "not a header", header: "Bearer abc", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := stripe.ParseHeader(tt.header)
			if tt.wantErr {
				if !errors.Is(err, stripe.ErrMalformedHeader) {
					t.Fatalf("err = %v, want ErrMalformedHeader", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Timestamp != tt.wantTS || len(h.V1) != tt.wantV1 {
				t.Fatalf("got t=%d with %d v1, want t=%d with %d", h.Timestamp, len(h.V1), tt.wantTS, tt.wantV1)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	now := fixedNow(testTS + 10)
	valid := "t=1700000000,v1=" + testSig
	tests := []struct {
		name    string
		payload string
		header  string
		secret  stripe.Secret
		opts    stripe.VerifyOptions
		wantErr error
	}{
		{name: "valid", header: valid},
		{name: "rotation: first matches", header: valid + ",v1=" + rotatedSig},
		{name: "rotation: second matches", header: "t=1700000000,v1=" + rotatedSig + ",v1=" + testSig},
		{name: "rotation: verify with new secret", header: valid + ",v1=" + rotatedSig, secret: rotatedSecret},
		{name: "v0 ignored", header: "t=1700000000,v0=" + testSig, wantErr: stripe.ErrNoValidSignature},
		{name: "v0 next to valid v1", header: "t=1700000000,v0=" + rotatedSig + ",v1=" + testSig},
		{name: "wrong secret", header: valid, secret: "whsec_other", wantErr: stripe.ErrNoValidSignature},
		{name: "tampered payload", header: valid, payload: `{"id":"evt_2"}`, wantErr: stripe.ErrNoValidSignature},
		{name: "tampered timestamp", header: "t=1700000001,v1=" + testSig, wantErr: stripe.ErrNoValidSignature},
		{name: "uppercase hex", header: "t=1700000000,v1=" + strings.ToUpper(testSig)},
		{name: "expired", header: valid, opts: stripe.VerifyOptions{Now: fixedNow(testTS + 301)}, wantErr: stripe.ErrExpired},
		{name: "at tolerance", header: valid, opts: stripe.VerifyOptions{Now: fixedNow(testTS + 300)}},
		{name: "custom tolerance", header: valid, opts: stripe.VerifyOptions{Now: now, Tolerance: 5 * time.Second}, wantErr: stripe.ErrExpired},
		{name: "ignore tolerance", header: valid, opts: stripe.VerifyOptions{Now: fixedNow(testTS + 1e6), IgnoreTolerance: true}},
		{name: "future timestamp accepted like Stripe", header: valid, opts: stripe.VerifyOptions{Now: fixedNow(testTS - 3600)}},
		{name: "expired and forged reports forged", header: "t=1700000000,v1=" + rotatedSig, opts: stripe.VerifyOptions{Now: fixedNow(testTS + 1000)}, wantErr: stripe.ErrNoValidSignature},
		{name: "malformed", header: "v1=" + testSig, wantErr: stripe.ErrMalformedHeader},
		{name: "empty header", header: "", wantErr: stripe.ErrMalformedHeader},
		{name: "empty secret", header: valid, secret: "-", wantErr: stripe.ErrEmptySecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := testPayload
			if tt.payload != "" {
				payload = tt.payload
			}
			secret := testSecret
			switch tt.secret {
			case "":
			case "-":
				secret = ""
			default:
				secret = tt.secret
			}
			opts := tt.opts
			if opts.Now == nil {
				opts.Now = now
			}
			err := stripe.Verify([]byte(payload), tt.header, secret, opts)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if secret != "" && strings.Contains(err.Error(), string(secret)) {
				t.Fatalf("error %q contains the secret", err)
			}
		})
	}
}

func TestSecretRedacted(t *testing.T) {
	const raw = "whsec_do_not_print_me"
	s := stripe.Secret(raw)
	type holder struct {
		URL    string
		Secret stripe.Secret
	}
	h := holder{URL: "http://x", Secret: s}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("sending", "secret", s, "holder", h)
	var textLogged bytes.Buffer
	slog.New(slog.NewTextHandler(&textLogged, nil)).Info("sending", "secret", s)
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String":    s.String(),
		"%s":        fmt.Sprintf("%s", s),
		"%v":        fmt.Sprintf("%v", s),
		"%+v":       fmt.Sprintf("%+v", h),
		"%#v":       fmt.Sprintf("%#v", h),
		"%q":        fmt.Sprintf("%q", s),
		"%x":        fmt.Sprintf("%x", s),
		"%d":        fmt.Sprintf("%d", s),
		"Errorf":    fmt.Errorf("wrap %v: %w", s, errors.New("x")).Error(),
		"json":      js.String(),
		"slog":      logged.String(),
		"slog text": textLogged.String(),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(out, raw) || strings.Contains(out, fmt.Sprintf("%x", raw)) {
				t.Fatalf("secret leaked: %s", out)
			}
			if !strings.Contains(out, stripe.Redacted) {
				t.Fatalf("output %q does not say %s", out, stripe.Redacted)
			}
		})
	}
	if got := string([]byte(s)); got != raw {
		t.Fatalf("explicit conversion = %q, want the real value", got)
	}
}

func FuzzParseHeader(f *testing.F) {
	for _, seed := range []string{"t=1700000000,v1=" + testSig, "t=1,v1=" + testSig + ",v0=ab", "", "t=", "v1=,t=1", "t=1,,", "t=1,v1=zz"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		h, err := stripe.ParseHeader(header)
		if err != nil {
			if !errors.Is(err, stripe.ErrMalformedHeader) {
				t.Fatalf("error %v does not wrap ErrMalformedHeader", err)
			}
			return
		}
		if !strings.Contains(header, "t=") {
			t.Fatalf("accepted %q without a timestamp", header)
		}
		for _, sig := range h.V1 {
			if len(sig) != 32 {
				t.Fatalf("v1 of %d bytes", len(sig))
			}
		}
		// Verify must not panic on anything ParseHeader accepts.
		_ = stripe.Verify([]byte("x"), header, testSecret, stripe.VerifyOptions{})
	})
}

func benchPayload() []byte {
	p := bytes.Repeat([]byte(`{"k":"0123456789abcdef"},`), 2048/25+1)
	return p[:2048]
}

// BenchmarkSign measures full header signing of a 2 KB payload (MB/s = payload
// bytes signed per second; signatures/s = 1e9 / ns/op on one core).
func BenchmarkSign(b *testing.B) {
	payload := benchPayload()
	opts := stripe.SignOptions{Timestamp: time.Unix(testTS, 0)}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stripe.Sign(payload, testSecret, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignerHeader is BenchmarkSign with a reused Signer (what k6/x/stripe does per VU).
func BenchmarkSignerHeader(b *testing.B) {
	payload := benchPayload()
	s, err := stripe.NewSigner(testSecret)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Header(payload, testTS, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies a 2 KB payload with two v1 entries.
func BenchmarkVerify(b *testing.B) {
	payload := benchPayload()
	h, err := stripe.Sign(payload, rotatedSecret, stripe.SignOptions{Timestamp: time.Unix(testTS, 0), Rotated: []stripe.Secret{testSecret}})
	if err != nil {
		b.Fatal(err)
	}
	opts := stripe.VerifyOptions{IgnoreTolerance: true}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if err := stripe.Verify(payload, h, testSecret, opts); err != nil {
			b.Fatal(err)
		}
	}
}
