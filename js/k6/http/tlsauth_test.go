package http

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/config"
)

// testCA issues client certificates for mutual-TLS tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

// issue returns a client certificate named cn and its key (SEC 1), PEM.
func (ca *testCA) issue(t *testing.T, cn string) (certPEM string, keyBlock *pem.Block) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), &pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}
}

// newMTLSServer starts a TLS server on loopback that requires a client
// certificate issued by ca, and answers with its common name.
func newMTLSServer(t *testing.T, ca *testCA) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes the test makes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// tlsAuth presents the client certificate of the entry that matches the
// request's server name (exact name, then *.domain, then an entry without
// domains) to a server that requires and verifies one; without a matching
// entry the handshake fails.
func TestTLSAuth(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	srv := newMTLSServer(t, ca)
	addr := strings.TrimPrefix(srv.URL, "https://")
	_, port, _ := strings.Cut(addr, ":")
	certA, keyA := ca.issue(t, "client-a")
	certB, keyB := ca.issue(t, "client-b")
	pemA, pemB := config.Secret(pem.EncodeToMemory(keyA)), config.Secret(pem.EncodeToMemory(keyB))
	const password = "p4ss phrase"
	//nolint:staticcheck // SA1019: the legacy encrypted PEM that tlsAuth's password decrypts.
	enc, err := x509.EncryptPEMBlock(rand.Reader, keyA.Type, keyA.Bytes, []byte(password), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	encA := config.Secret(pem.EncodeToMemory(enc))
	// other CA: a certificate the server does not trust.
	certX, keyX := newTestCA(t).issue(t, "client-x")

	for _, tt := range []struct {
		name string
		auth []config.TLSAuth
		want map[string]string // host -> the common name the server saw ("" for a failed request)
	}{
		{"no tlsAuth", nil, map[string]string{"mtls.test": ""}},
		{"exact domain", []config.TLSAuth{{Domains: []string{"MTLS.test"}, Cert: certA, Key: pemA}},
			map[string]string{"mtls.test": "client-a", "other.test": ""}},
		{"wildcard domain", []config.TLSAuth{{Domains: []string{"*.test"}, Cert: certB, Key: pemB}},
			map[string]string{"mtls.test": "client-b", "other.test": "client-b"}},
		{"no domains: every server", []config.TLSAuth{{Cert: certA, Key: pemA}},
			map[string]string{"mtls.test": "client-a", "other.test": "client-a"}},
		{"a named domain wins over an entry without domains", []config.TLSAuth{
			{Cert: certB, Key: pemB},
			{Domains: []string{"mtls.test"}, Cert: certA, Key: pemA},
		}, map[string]string{"mtls.test": "client-a", "other.test": "client-b"}},
		{"encrypted key", []config.TLSAuth{{Domains: []string{"mtls.test"}, Cert: certA, Key: encA, Password: password}},
			map[string]string{"mtls.test": "client-a"}},
		{"untrusted certificate", []config.TLSAuth{{Cert: certX, Key: config.Secret(pem.EncodeToMemory(keyX))}},
			map[string]string{"mtls.test": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := &config.Options{
				InsecureSkipTLSVerify: ptr(true),
				Hosts:                 map[string]string{"mtls.test": addr, "other.test": addr},
				TLSAuth:               tt.auth,
			}
			rt, _ := newVU(t, srv.URL, opts)
			for host, want := range tt.want {
				res := js(t, rt, `(function () {
					const r = http.get("https://`+host+`:`+port+`/");
					return [r.status, r.body, r.error_code, r.error, r.proto, r.timings.tls_handshaking > 0]; })()`).Export().([]any)
				if want == "" {
					if res[0].(int64) != 0 || res[2].(int64) == 0 {
						t.Errorf("%s: status %v, body %v: want the handshake to fail", host, res[0], res[1])
					}
					continue
				}
				if res[0].(int64) != 200 || res[1] != want {
					t.Errorf("%s: status %v, body %q, error %v (%v); want 200 %q", host, res[0], res[1], res[2], res[3], want)
				}
				if res[4] != "HTTP/2.0" || res[5] != true {
					t.Errorf("%s: proto %v, tls_handshaking measured %v; want HTTP/2.0, true", host, res[4], res[5])
				}
			}
		})
	}
}

// A transport built from options that were not consolidated still refuses
// a bad entry, naming it, and without showing the key or password.
func TestTLSAuthTransportErrors(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	cert, key := ca.issue(t, "c")
	_, otherKey := ca.issue(t, "d")
	keyPEM := string(pem.EncodeToMemory(otherKey))
	_, err := NewTransport(&config.Options{TLSAuth: []config.TLSAuth{
		{Cert: cert, Key: config.Secret(pem.EncodeToMemory(key))},
		{Cert: cert, Key: config.Secret(keyPEM), Password: "hunter2"},
	}})
	if err == nil || !strings.Contains(err.Error(), `option "tlsAuth[1].key": the private key does not match the certificate of tlsAuth[1].cert`) {
		t.Fatalf("error %v", err)
	}
	body := strings.Split(keyPEM, "\n")[1]
	if strings.Contains(err.Error(), body[:20]) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows a secret: %v", err)
	}
	_, err = NewTransport(&config.Options{TLSAuth: []config.TLSAuth{{Domains: []string{"a.test:443"}, Cert: cert, Key: config.Secret(pem.EncodeToMemory(key))}}})
	if err == nil || !strings.Contains(err.Error(), `tlsAuth[0].domains[0]`) {
		t.Errorf("bad domain: %v", err)
	}
}
