package config

import (
	"crypto/tls"
	"net"
	"strings"
)

// CipherSuite is the ID of the TLS cipher suite named name (Go's and
// k6's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), secure or not.
func CipherSuite(name string) (uint16, bool) {
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, s := range list {
			if s.Name == name {
				return s.ID, true
			}
		}
	}
	return 0, false
}

// ParseIPRange parses one blacklistIPs entry: a CIDR range ("10.0.0.0/8",
// "fd00::/8") or a single address (the range of just that address).
func ParseIPRange(s string) (*net.IPNet, bool) {
	if _, n, err := net.ParseCIDR(s); err == nil {
		return n, true
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return nil, false
	}
	bits := 128
	if v4 := ip.To4(); v4 != nil {
		ip, bits = v4, 32
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, true
}

// HostnamePattern normalises one blockHostnames entry: a host name
// ("api.example.com") or "*." and a domain ("*.example.com": every name
// under it, not the domain itself), in lower case. ok is false for
// anything else (empty, a "*" elsewhere, a port, a space).
func HostnamePattern(s string) (pattern string, ok bool) {
	p := strings.ToLower(strings.TrimSpace(s))
	name := strings.TrimPrefix(p, "*.")
	if name == "" || strings.ContainsAny(name, "*:/ ") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return "", false
	}
	return p, true
}

// MatchHostname returns the first of patterns (as HostnamePattern returns
// them) that host matches.
func MatchHostname(patterns []string, host string) (string, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range patterns {
		if domain, ok := strings.CutPrefix(p, "*."); ok {
			if strings.HasSuffix(host, "."+domain) {
				return p, true
			}
		} else if host == p {
			return p, true
		}
	}
	return "", false
}
