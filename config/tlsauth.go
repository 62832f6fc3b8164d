package config

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// TLSAuth is one entry of k6's tlsAuth option: a client certificate for
// mutual TLS and the server names it is for. cert and key are required
// (PEM); password decrypts an encrypted legacy PEM key ("Proc-Type:
// 4,ENCRYPTED"), and is ignored for a key that is not encrypted.
//
// Domains are server names: "api.example.com" (case-insensitive), or
// "*.example.com" for the names one label below example.com. An entry
// without domains applies to every server no other entry names. See
// MatchTLSAuth.
type TLSAuth struct {
	Domains  []string `json:"domains,omitempty"`
	Cert     string   `json:"cert"`
	Key      Secret   `json:"key"`
	Password Secret   `json:"password,omitempty"`
}

// TLSAuthCertificate parses entry i of tlsAuth into a certificate for a
// tls.Config. Its errors are OptionErrors naming the option path
// (tlsAuth[0].key) and what is wrong; they never contain the key or the
// password.
func TLSAuthCertificate(i int, a TLSAuth) (tls.Certificate, error) {
	path := "tlsAuth[" + strconv.Itoa(i) + "]"
	var (
		chain [][]byte
		leaf  *x509.Certificate
	)
	rest := []byte(a.Cert)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return tls.Certificate{}, optErr(path+".cert", nil, "the PEM certificate does not parse: %v", err)
		}
		if leaf == nil {
			leaf = c
		}
		chain = append(chain, b.Bytes)
	}
	if leaf == nil {
		return tls.Certificate{}, optErr(path+".cert", nil, "expected a PEM certificate (-----BEGIN CERTIFICATE-----)")
	}
	key, err := parsePrivateKey(path, a.Key.Reveal(), a.Password.Reveal())
	if err != nil {
		return tls.Certificate{}, err
	}
	pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return tls.Certificate{}, optErr(path+".key", nil, "the private key does not match the certificate of %s.cert", path)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

// parsePrivateKey decodes the first PEM private key in s (PKCS #1, SEC 1
// or PKCS #8), decrypting a legacy encrypted PEM block with password.
func parsePrivateKey(path, s, password string) (crypto.Signer, error) {
	var block *pem.Block
	for rest := []byte(s); ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			block = b
			break
		}
	}
	if block == nil {
		return nil, optErr(path+".key", nil, "expected a PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)")
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" {
		// As in k6: Go's standard library has no PKCS #8 decryption.
		return nil, optErr(path+".key", nil, "an encrypted PKCS #8 key is not supported (as in k6): decrypt it (openssl pkcs8 -in key.pem -out plain.pem), or re-encrypt it as a legacy PEM key (openssl rsa/ec -aes256) and give its password")
	}
	der, decrypted := block.Bytes, false
	//nolint:staticcheck // SA1019: see below.
	if x509.IsEncryptedPEMBlock(block) {
		if password == "" {
			return nil, optErr(path+".key", nil, "the private key is encrypted: give its password in %s.password", path)
		}
		// Legacy PEM encryption (RFC 1423, "Proc-Type: 4,ENCRYPTED") is
		// what k6's password decrypts, and what `openssl rsa -aes256`
		// writes. Go deprecates DecryptPEMBlock because the format is weak
		// (an MD5-based key derivation, and unauthenticated CBC whose
		// padding can act as an oracle to whoever submits ciphertexts).
		// Here the key is the user's own file, decrypted once, locally, at
		// start: no attacker submits ciphertexts, so there is no oracle,
		// and refusing would break k6 scripts that work.
		//nolint:staticcheck // SA1019: deliberate, see above.
		d, err := x509.DecryptPEMBlock(block, []byte(password))
		if err != nil {
			return nil, optErr(path+".password", nil, "wrong password: the private key does not decrypt with it")
		}
		der, decrypted = d, true
	}
	key, err := parseKeyDER(der)
	if err != nil {
		if decrypted {
			// Decryption with a wrong password passes the padding check
			// about once in 256 tries; the result is then not a key.
			return nil, optErr(path+".password", nil, "wrong password: the private key does not decrypt with it")
		}
		return nil, optErr(path+".key", nil, "the PEM private key does not parse (expected a PKCS #1, SEC 1 or PKCS #8 key)")
	}
	return key, nil
}

// parseKeyDER parses a PKCS #1, SEC 1 (EC) or PKCS #8 private key. Its
// errors are generic, so that nothing of the key can leak through them.
func parseKeyDER(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	return nil, errors.New("not a private key")
}

// TLSAuthDomain normalises one tlsAuth domains entry: a host name or IP
// address, or "*." and a domain, in lower case. ok is false for anything
// else (empty, a port, a scheme, a space, a "*" elsewhere).
func TLSAuthDomain(s string) (string, bool) {
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if ip := net.ParseIP(strings.Trim(d, "[]")); ip != nil {
		return ip.String(), true
	}
	name := strings.TrimPrefix(d, "*.")
	if name == "" || strings.ContainsAny(name, "*:/ @") || strings.HasPrefix(name, ".") {
		return "", false
	}
	return d, true
}

// MatchTLSAuth returns the index of the tlsAuth entry whose certificate a
// connection to serverName (the request URL's host) presents, or -1 for
// none. An entry naming serverName exactly wins; then one whose
// "*.domain" covers it (one label: "*.example.com" covers
// "api.example.com", not "example.com" nor "a.b.example.com", as for the
// names of certificates); then the first entry without domains. Among
// entries that match alike, the first in the list wins. domains are as
// TLSAuthDomain returns them.
func MatchTLSAuth(domains [][]string, serverName string) int {
	host := strings.ToLower(strings.TrimSuffix(serverName, "."))
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		host = ip.String()
	}
	wild := ""
	if i := strings.IndexByte(host, '.'); i > 0 {
		wild = "*" + host[i:]
	}
	exact, wildcard, any := -1, -1, -1
	for i, ds := range domains {
		if len(ds) == 0 && any < 0 {
			any = i
		}
		for _, d := range ds {
			if d == host && exact < 0 {
				exact = i
			}
			if wild != "" && d == wild && wildcard < 0 {
				wildcard = i
			}
		}
	}
	switch {
	case exact >= 0:
		return exact
	case wildcard >= 0:
		return wildcard
	}
	return any
}

// decTLSAuth decodes tlsAuth: an array of {domains, cert, key, password}.
// Its errors never show a value: one may be a private key.
func decTLSAuth(dst *[]TLSAuth) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		var elems []json.RawMessage
		if kindOf(raw) != '[' || json.Unmarshal(raw, &elems) != nil {
			return optErr(path, nil, `expected an array of client certificates like [{"domains": ["example.com"], "cert": "<PEM>", "key": "<PEM>"}]`)
		}
		out := make([]TLSAuth, len(elems))
		var errs []error
		for i, el := range elems {
			p := fmt.Sprintf("%s[%d]", path, i)
			var obj map[string]json.RawMessage
			if kindOf(el) != '{' || json.Unmarshal(el, &obj) != nil {
				errs = append(errs, optErr(p, nil, `expected an object {domains, cert, key, password}`))
				continue
			}
			var cert, key, password *string
			fields := map[string]fieldDecoder{
				"domains":  decStringSlice(&out[i].Domains),
				"cert":     decSecretString(&cert, "expected the certificate as a PEM string"),
				"key":      decSecretString(&key, "expected the private key as a PEM string"),
				"password": decSecretString(&password, "expected a string"),
			}
			errs = append(errs, decodeStrictObject(p, obj, fields)...)
			for _, req := range []struct {
				name string
				v    *string
			}{{"cert", cert}, {"key", key}} {
				_, given := obj[req.name]
				// A value of the wrong type was reported by its decoder.
				if !given || isNull(obj[req.name]) || (req.v != nil && strings.TrimSpace(*req.v) == "") {
					errs = append(errs, optErr(p+"."+req.name, nil, "required: a client certificate needs a cert and a key (PEM)"))
				}
			}
			out[i].Cert = String(cert, "")
			out[i].Key = Secret(String(key, ""))
			out[i].Password = Secret(String(password, ""))
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		*dst = out
		return nil
	}
}

// decSecretString decodes a string without ever showing the value in its
// error.
func decSecretString(dst **string, want string) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		var s string
		if kindOf(raw) != '"' || json.Unmarshal(raw, &s) != nil {
			return optErr(path, nil, "%s", want)
		}
		*dst = &s
		return nil
	}
}

// validateTLSAuth checks every tlsAuth entry: its domains, and that its
// certificate and key parse and match.
func validateTLSAuth(entries []TLSAuth) []error {
	var errs []error
	for i, a := range entries {
		for j, d := range a.Domains {
			if _, ok := TLSAuthDomain(d); !ok {
				errs = append(errs, optErr(fmt.Sprintf("tlsAuth[%d].domains[%d]", i, j), d, `expected a host name, an IP address, or "*." and a domain (*.example.com)`))
			}
		}
		if _, err := TLSAuthCertificate(i, a); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
