package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testKeyPair returns a self-signed certificate and its key, both PEM; the
// key is SEC 1 (EC) or, with rsaKey, PKCS #1.
func testKeyPair(t *testing.T, cn string, rsaKey bool) (certPEM string, keyBlock *pem.Block) {
	t.Helper()
	var (
		pub  any
		priv any
		der  []byte
		kind string
		err  error
	)
	if rsaKey {
		k, e := rsa.GenerateKey(rand.Reader, 2048)
		if e != nil {
			t.Fatal(e)
		}
		pub, priv, der, kind = &k.PublicKey, k, x509.MarshalPKCS1PrivateKey(k), "RSA PRIVATE KEY"
	} else {
		k, e := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if e != nil {
			t.Fatal(e)
		}
		der, err = x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv, kind = &k.PublicKey, k, "EC PRIVATE KEY"
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	c, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c})), &pem.Block{Type: kind, Bytes: der}
}

// encryptedKey encrypts a key block as legacy PEM ("Proc-Type: 4,ENCRYPTED").
func encryptedKey(t *testing.T, b *pem.Block, password string) string {
	t.Helper()
	//nolint:staticcheck // SA1019: making the legacy format tlsAuth reads.
	enc, err := x509.EncryptPEMBlock(rand.Reader, b.Type, b.Bytes, []byte(password), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(enc))
}

func TestTLSAuthCertificate(t *testing.T) {
	t.Parallel()
	cert, key := testKeyPair(t, "client", false)
	keyPEM := string(pem.EncodeToMemory(key))
	otherCert, _ := testKeyPair(t, "other", false)
	rsaCert, rsaKey := testKeyPair(t, "rsa", true)
	const password = "correct horse battery staple"
	encKey := encryptedKey(t, key, password)
	pkcs8Enc := string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("opaque")}))

	for _, tt := range []struct {
		name    string
		a       TLSAuth
		wantErr string // "" for success
	}{
		{"EC key", TLSAuth{Cert: cert, Key: Secret(keyPEM)}, ""},
		{"RSA key", TLSAuth{Cert: rsaCert, Key: Secret(pem.EncodeToMemory(rsaKey))}, ""},
		{"password ignored for a plain key", TLSAuth{Cert: cert, Key: Secret(keyPEM), Password: "unused"}, ""},
		{"encrypted key", TLSAuth{Cert: cert, Key: Secret(encKey), Password: password}, ""},
		{"no PEM cert", TLSAuth{Cert: "not a certificate", Key: Secret(keyPEM)},
			`option "tlsAuth[3].cert": expected a PEM certificate`},
		{"cert does not parse", TLSAuth{Cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})), Key: Secret(keyPEM)},
			`option "tlsAuth[3].cert": the PEM certificate does not parse`},
		{"no PEM key", TLSAuth{Cert: cert, Key: "not a key"},
			`option "tlsAuth[3].key": expected a PEM private key`},
		{"key does not parse", TLSAuth{Cert: cert, Key: Secret(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")}))},
			`option "tlsAuth[3].key": the PEM private key does not parse`},
		{"key of another cert", TLSAuth{Cert: otherCert, Key: Secret(keyPEM)},
			`option "tlsAuth[3].key": the private key does not match the certificate of tlsAuth[3].cert`},
		{"encrypted key without password", TLSAuth{Cert: cert, Key: Secret(encKey)},
			`option "tlsAuth[3].key": the private key is encrypted: give its password in tlsAuth[3].password`},
		{"wrong password", TLSAuth{Cert: cert, Key: Secret(encKey), Password: "hunter2"},
			`option "tlsAuth[3].password": wrong password`},
		{"encrypted PKCS #8", TLSAuth{Cert: cert, Key: Secret(pkcs8Enc), Password: password},
			`option "tlsAuth[3].key": an encrypted PKCS #8 key is not supported`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := TLSAuthCertificate(3, tt.a)
			if tt.wantErr == "" {
				if err != nil || c.Leaf == nil || c.PrivateKey == nil {
					t.Fatalf("got %v, %v", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v does not wrap ErrInvalidConfig", err)
			}
			assertNoSecret(t, err.Error(), tt.a)
		})
	}
}

// assertNoSecret fails when s shows any part of a's key or password.
func assertNoSecret(t *testing.T, s string, a TLSAuth) {
	t.Helper()
	if a.Password != "" && strings.Contains(s, a.Password.Reveal()) {
		t.Errorf("%q shows the password", s)
	}
	for _, line := range strings.Split(a.Key.Reveal(), "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(s, line[:16]) {
			t.Errorf("%q shows the key", s)
		}
	}
}

func TestDecodeTLSAuth(t *testing.T) {
	t.Parallel()
	cert, key := testKeyPair(t, "client", false)
	keyPEM := string(pem.EncodeToMemory(key))
	in, _ := json.Marshal(map[string]any{"tlsAuth": []map[string]any{
		{"domains": []string{"example.com", "*.example.org"}, "cert": cert, "key": keyPEM},
		{"cert": cert, "key": keyPEM, "password": "pw"},
	}})
	o, warns, err := DecodeOptions(in)
	if err != nil || len(warns) != 0 {
		t.Fatalf("%v %v", err, warns)
	}
	if len(o.TLSAuth) != 2 || o.TLSAuth[0].Domains[1] != "*.example.org" || o.TLSAuth[1].Password.Reveal() != "pw" || o.TLSAuth[0].Key.Reveal() != keyPEM {
		t.Fatalf("decoded %+v", o.TLSAuth)
	}

	for _, tt := range []struct {
		in   string
		want []string
	}{
		{`{"tlsAuth": {"cert": "c", "key": "SECRETKEY"}}`, []string{`option "tlsAuth": expected an array of client certificates`}},
		{`{"tlsAuth": ["SECRETKEY"]}`, []string{`option "tlsAuth[0]": expected an object {domains, cert, key, password}`}},
		{`{"tlsAuth": [{"cert": "c"}]}`, []string{`option "tlsAuth[0].key": required`}},
		{`{"tlsAuth": [{"key": "SECRETKEY", "domains": "example.com"}]}`, []string{
			`option "tlsAuth[0].cert": required`,
			`option "tlsAuth[0].domains": invalid value "example.com": expected an array of strings`,
		}},
		{`{"tlsAuth": [{"cert": "c", "key": ["SECRETKEY"], "password": 12345, "ca": "x"}]}`, []string{
			`option "tlsAuth[0].ca": unknown option; allowed here: cert, domains, key, password`,
			`option "tlsAuth[0].key": expected the private key as a PEM string`,
			`option "tlsAuth[0].password": expected a string`,
		}},
	} {
		_, _, err := DecodeOptions([]byte(tt.in))
		if err == nil {
			t.Errorf("%s: no error", tt.in)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s:\n%v\nwant %q", tt.in, err, w)
			}
		}
		if strings.Contains(err.Error(), "SECRETKEY") || strings.Contains(err.Error(), "12345") {
			t.Errorf("%s: the error shows a secret: %v", tt.in, err)
		}
	}
}

// Consolidation reports a bad certificate or domain before the test starts,
// naming the option; the consolidated options (what `stampede inspect`
// prints) redact keys and passwords.
func TestConsolidateTLSAuth(t *testing.T) {
	t.Parallel()
	cert, key := testKeyPair(t, "client", false)
	const password = "s3cret-passw0rd"
	good := TLSAuth{Domains: []string{"api.example.com"}, Cert: cert, Key: Secret(encryptedKey(t, key, password)), Password: password}
	bad := TLSAuth{Domains: []string{"http://x.example.com"}, Cert: cert, Key: good.Key, Password: "nope-wrong"}
	_, err := Consolidate(Options{TLSAuth: []TLSAuth{good, bad}}, Config{}, Config{})
	if err == nil {
		t.Fatal("no error for the bad entry")
	}
	for _, w := range []string{`option "tlsAuth[1].domains[0]": invalid value "http://x.example.com"`, `option "tlsAuth[1].password": wrong password`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%v\nwant %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "tlsAuth[0]") {
		t.Errorf("the good entry is reported: %v", err)
	}
	assertNoSecret(t, err.Error(), bad)

	c, err := Consolidate(Options{TLSAuth: []TLSAuth{good}}, Config{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, string(b), good)
	if !strings.Contains(string(b), `"key": "<redacted>"`) || !strings.Contains(string(b), `"password": "<redacted>"`) ||
		!strings.Contains(string(b), `"domains": [`) {
		t.Errorf("inspect JSON:\n%s", b)
	}
	for _, s := range []string{fmt.Sprint(c.TLSAuth), fmt.Sprintf("%+v %#v %s %q", c.TLSAuth[0], c.TLSAuth[0], c.TLSAuth[0].Key, c.TLSAuth[0].Password)} {
		assertNoSecret(t, s, good)
	}
}

func TestMatchTLSAuth(t *testing.T) {
	t.Parallel()
	domains := [][]string{
		{"*.example.com"},
		nil,
		{"api.example.com", "127.0.0.1", "::1"},
		{"example.com"},
		nil,
	}
	for host, want := range map[string]int{
		"api.example.com":   2, // exact beats an earlier wildcard
		"API.Example.COM.":  2,
		"www.example.com":   0, // wildcard beats an earlier catch-all
		"example.com":       3,
		"a.b.example.com":   1, // a wildcard covers one label
		"other.test":        1, // the first entry without domains
		"127.0.0.1":         2,
		"[::1]":             2,
		"0:0:0:0:0:0:0:1":   2,
		"api.example.com.x": 1,
	} {
		if got := MatchTLSAuth(domains, host); got != want {
			t.Errorf("%s: entry %d, want %d", host, got, want)
		}
	}
	if got := MatchTLSAuth([][]string{{"a.test"}}, "b.test"); got != -1 {
		t.Errorf("no match: %d, want -1", got)
	}
	for in, want := range map[string]string{"Example.COM.": "example.com", "*.Example.com": "*.example.com", "[::1]": "::1", "10.0.0.1": "10.0.0.1"} {
		if got, ok := TLSAuthDomain(in); !ok || got != want {
			t.Errorf("TLSAuthDomain(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "*", "a.*.com", "example.com:443", "https://example.com", "a b", ".example.com"} {
		if _, ok := TLSAuthDomain(in); ok {
			t.Errorf("TLSAuthDomain(%q) accepted", in)
		}
	}
}
