package config

import (
	"errors"
	"strings"
	"testing"
)

func TestParseIPRangeAndHostnamePattern(t *testing.T) {
	for s, want := range map[string]string{"10.0.0.0/8": "10.0.0.0/8", "10.1.2.3": "10.1.2.3/32", "fd00::/8": "fd00::/8", "::1": "::1/128", "10.0.0.0/40": "", "ten": ""} {
		n, ok := ParseIPRange(s)
		if got := ""; ok {
			got = n.String()
			if got != want {
				t.Errorf("ParseIPRange(%q) = %s, want %s", s, got, want)
			}
		} else if want != "" {
			t.Errorf("ParseIPRange(%q) failed, want %s", s, want)
		}
	}
	for s, want := range map[string]string{"API.Example.com": "api.example.com", "*.example.com": "*.example.com", "*": "", "a.*.com": "", "host:80": "", "": "", ".com": ""} {
		if got, _ := HostnamePattern(s); got != want {
			t.Errorf("HostnamePattern(%q) = %q, want %q", s, got, want)
		}
	}
	patterns := []string{"a.test", "*.example.com"}
	for host, want := range map[string]string{"A.test": "a.test", "x.y.example.com": "*.example.com", "example.com": "", "b.test": "", "a.test.": "a.test"} {
		if got, _ := MatchHostname(patterns, host); got != want {
			t.Errorf("MatchHostname(%q) = %q, want %q", host, got, want)
		}
	}
}

// Bad entries are option errors (exit 104) naming the entry; the K6_*
// variables take comma-separated lists.
func TestBlocklistOptions(t *testing.T) {
	_, err := Consolidate(mustDecode(t, `{"blacklistIPs": ["10.0.0.0/8", "nope"], "blockHostnames": ["ok.test", "*bad"]}`), Config{}, Config{})
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `"blacklistIPs[1]": invalid value "nope"`) || !strings.Contains(err.Error(), `"blockHostnames[1]": invalid value "*bad"`) {
		t.Errorf("error %v", err)
	}
	env, err := FromEnv(map[string]string{"K6_BLACKLIST_IPS": "10.0.0.0/8,192.168.0.0/16", "K6_BLOCK_HOSTNAMES": "*.internal"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(env.BlacklistIPs, " ") != "10.0.0.0/8 192.168.0.0/16" || strings.Join(env.BlockHostnames, " ") != "*.internal" {
		t.Errorf("env layer: %v %v", env.BlacklistIPs, env.BlockHostnames)
	}
}

func TestTLSCipherSuitesOption(t *testing.T) {
	if id, ok := CipherSuite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"); !ok || id == 0 {
		t.Errorf("a known suite was not found")
	}
	if _, ok := CipherSuite("TLS_RSA_WITH_RC4_128_SHA"); !ok {
		t.Errorf("an insecure suite (which k6 accepts) was not found")
	}
	_, err := Consolidate(mustDecode(t, `{"tlsCipherSuites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_NOPE"]}`), Config{}, Config{})
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `"tlsCipherSuites[1]": invalid value "TLS_NOPE"`) {
		t.Errorf("error %v", err)
	}
}
