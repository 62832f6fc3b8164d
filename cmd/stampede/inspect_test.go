package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// clientCertPEM returns a client certificate and its key encrypted with
// password (legacy PEM), both PEM.
func clientCertPEM(t *testing.T, password string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	//nolint:staticcheck // SA1019: the legacy encrypted PEM that tlsAuth's password decrypts.
	b, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", kder, []byte(password), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(b))
}

// `stampede inspect` shows the tlsAuth entries with their keys and
// passwords redacted, and the dns option with k6's defaults under K6_DNS; a
// wrong password fails with exit 104, naming the option, and neither shows
// the secrets.
func TestInspectTLSAuthAndDNS(t *testing.T) {
	t.Parallel()
	const password = "Tr0ub4dor&3-secret"
	cert, key := clientCertPEM(t, password)
	keyBody := strings.Split(key, "\n")[4] // past the BEGIN line and the encryption headers
	script := func(pw string) string {
		c, _ := json.Marshal(cert)
		k, _ := json.Marshal(key)
		p, _ := json.Marshal(pw)
		return `export const options = { tlsAuth: [{ domains: ['api.example.com'], cert: ` + string(c) + `, key: ` + string(k) +
			`, password: ` + string(p) + ` }] }; export default function () {}`
	}
	noSecrets := func(t *testing.T, out string) {
		t.Helper()
		if strings.Contains(out, password) || strings.Contains(out, keyBody) {
			t.Errorf("output shows the key or password:\n%s", out)
		}
	}

	c := newCLI(t)
	c.gs.env["K6_DNS"] = "policy=onlyIPv4"
	if code := c.run("inspect", c.write("s.js", script(password))); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	out := c.stdout.String()
	noSecrets(t, out+c.stderr.String())
	var got struct {
		TLSAuth []map[string]any  `json:"tlsAuth"`
		DNS     map[string]string `json:"dns"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(got.TLSAuth) != 1 || got.TLSAuth[0]["key"] != "<redacted>" || got.TLSAuth[0]["password"] != "<redacted>" ||
		got.TLSAuth[0]["cert"] != cert || got.TLSAuth[0]["domains"].([]any)[0] != "api.example.com" {
		t.Errorf("tlsAuth: %v", got.TLSAuth)
	}
	if got.DNS["ttl"] != "5m0s" || got.DNS["select"] != "random" || got.DNS["policy"] != "onlyIPv4" {
		t.Errorf("dns: %v", got.DNS)
	}
	if strings.Contains(c.stderr.String(), "tlsAuth") || strings.Contains(c.stderr.String(), `"dns"`) {
		t.Errorf("warnings for supported options: %s", c.stderr)
	}

	c2 := newCLI(t)
	if code := c2.run("inspect", c2.write("s.js", script("wrong-"+password))); code != 104 {
		t.Fatalf("wrong password: exit %d, want 104; stderr: %s", code, c2.stderr)
	}
	if e := c2.stderr.String(); !strings.Contains(e, `tlsAuth[0].password`) || !strings.Contains(e, "wrong password") {
		t.Errorf("stderr: %s", c2.stderr)
	}
	noSecrets(t, c2.stdout.String()+c2.stderr.String())
}
