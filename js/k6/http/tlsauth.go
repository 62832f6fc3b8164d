package http

import (
	"crypto/tls"
	"fmt"
	"strconv"

	"github.com/stampede-load/stampede/config"
)

// clientCerts are the tlsAuth option's client certificates, parsed, and
// the rule choosing one for a server name (config.MatchTLSAuth). They are
// never modified once made, and shared by every VU of the process with
// the same options.
type clientCerts struct {
	certs   []tls.Certificate
	domains [][]string // each entry's, as config.TLSAuthDomain returns them
	// perHost is set when some entry has domains: the certificate then
	// depends on the server name (Transport.dialTLS).
	perHost bool
}

// noClientCert is the answer when no entry applies: the client sends no
// certificate.
var noClientCert = &tls.Certificate{}

// forHost returns the certificate a connection to the server name host
// presents (noClientCert for none).
func (c *clientCerts) forHost(host string) *tls.Certificate {
	if i := config.MatchTLSAuth(c.domains, host); i >= 0 {
		return &c.certs[i]
	}
	return noClientCert
}

// certsKey identifies one tlsAuth list: the VUs of a run share the
// consolidated options, hence the list's backing array.
type certsKey struct {
	first *config.TLSAuth
	n     int
}

// sharedCerts caches the parsed certificates of each tlsAuth list, so that
// a run parses its keys once, not once per VU, and its VUs share them.
var sharedCerts = sharedCache[certsKey, *clientCerts]{max: 64}

// clientCertsFor parses the tlsAuth entries (nil for none). Its errors name
// the option (tlsAuth[0].key) and never contain a key or password.
func clientCertsFor(entries []config.TLSAuth) (*clientCerts, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	key := certsKey{&entries[0], len(entries)}
	if c, ok := sharedCerts.get(key); ok {
		return c, nil
	}
	c := &clientCerts{certs: make([]tls.Certificate, len(entries)), domains: make([][]string, len(entries))}
	for i, a := range entries {
		cert, err := config.TLSAuthCertificate(i, a)
		if err != nil {
			return nil, err
		}
		c.certs[i] = cert
		for j, d := range a.Domains {
			n, ok := config.TLSAuthDomain(d)
			if !ok {
				return nil, &config.OptionError{Option: fmt.Sprintf("tlsAuth[%d].domains[%d]", i, j), Value: strconv.Quote(d),
					Allowed: `expected a host name, an IP address, or "*." and a domain (*.example.com)`}
			}
			c.domains[i] = append(c.domains[i], n)
			c.perHost = true
		}
	}
	sharedCerts.put(key, c)
	return c, nil
}
