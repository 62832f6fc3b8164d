package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDecodeDNS(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want DNSSettings
	}{
		{`{"dns": {"ttl": "1m", "select": "roundRobin", "policy": "any"}}`, DNSSettings{DNSTTL(time.Minute), DNSRoundRobin, DNSAny}},
		{`{"dns": {"ttl": "inf"}}`, DNSSettings{DNSTTLInfinite, DNSRandom, DNSPreferIPv4}},
		{`{"dns": {"ttl": "0", "select": "FIRST"}}`, DNSSettings{0, DNSFirst, DNSPreferIPv4}},
		{`{"dns": {"ttl": 1500}}`, DNSSettings{DNSTTL(1500 * time.Millisecond), DNSRandom, DNSPreferIPv4}},
		{`{"dns": {"ttl": "3000"}}`, DNSSettings{DNSTTL(3 * time.Second), DNSRandom, DNSPreferIPv4}}, // no unit: milliseconds
		{`{"dns": {"policy": "onlyIPv6", "ttl": null}}`, DNSSettings{DefaultDNSTTL, DNSRandom, DNSOnlyIPv6}},
		{`{"dns": "ttl=10s,policy=preferIPv6"}`, DNSSettings{DNSTTL(10 * time.Second), DNSRandom, DNSPreferIPv6}},
		{`{}`, DefaultDNS},
	} {
		o, warns, err := DecodeOptions([]byte(tt.in))
		if err != nil || len(warns) > 0 {
			t.Errorf("%s: %v %v", tt.in, err, warns)
			continue
		}
		if got := o.DNS.Settings(); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{`{"dns": {"ttl": "-1s"}}`, `option "dns.ttl": invalid value "-1s": expected "inf", "0", a duration like "5m" or a number of milliseconds`},
		{`{"dns": {"ttl": -5}}`, `option "dns.ttl": invalid value -5: expected "inf"`},
		{`{"dns": {"ttl": true}}`, `option "dns.ttl": invalid value true`},
		{`{"dns": {"select": "sometimes"}}`, `option "dns.select": invalid value "sometimes": allowed: "first", "random", "roundRobin"`},
		{`{"dns": {"policy": "ipv4"}}`, `option "dns.policy": invalid value "ipv4": allowed: "preferIPv4", "preferIPv6", "onlyIPv4", "onlyIPv6", "any"`},
		{`{"dns": {"servers": ["1.1.1.1"]}}`, `option "dns.servers": unknown option; allowed here: policy, select, ttl`},
		{`{"dns": 5}`, `option "dns": invalid value 5: expected {"ttl": "5m"`},
		{`{"dns": "ttl"}`, `option "dns": invalid value "ttl": expected "ttl=5m,select=random,policy=preferIPv4" (any of the three)`},
	} {
		_, _, err := DecodeOptions([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v\nwant %q", tt.in, err, tt.want)
		}
	}
}

func TestDNSEnvAndLayers(t *testing.T) {
	t.Parallel()
	env, err := FromEnv(map[string]string{"K6_DNS": "select=first, policy=onlyIPv4"})
	if err != nil {
		t.Fatal(err)
	}
	script, _, err := DecodeOptions([]byte(`{"dns": {"ttl": "inf", "select": "roundRobin"}}`))
	if err != nil {
		t.Fatal(err)
	}
	// The env layer overrides the fields it sets, and only those.
	c, err := Consolidate(script, env, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := DNSSettings{DNSTTLInfinite, DNSFirst, DNSOnlyIPv4}
	if got := c.DNS.Settings(); got != want {
		t.Errorf("consolidated %v, want %v", got, want)
	}
	b, _ := c.JSON()
	var out struct{ DNS map[string]string }
	if err := json.Unmarshal(b, &out); err != nil || out.DNS["ttl"] != "inf" || out.DNS["select"] != "first" || out.DNS["policy"] != "onlyIPv4" {
		t.Errorf("inspect JSON: %v %s", err, b)
	}
	// Without any layer: k6's defaults, shown by inspect.
	c, err = Consolidate(Options{}, Config{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.DNS.Settings(); got != DefaultDNS || DefaultDNS.String() != "ttl=5m0s,select=random,policy=preferIPv4" {
		t.Errorf("defaults: %v", got)
	}

	for v, want := range map[string]string{
		"ttl=5x":          `option "K6_DNS": invalid value "ttl=5x": expected "inf", "0", a duration`,
		"select=any":      `option "K6_DNS": invalid value "select=any": allowed: "first", "random", "roundRobin"`,
		"ttl=1m,cache=no": `option "K6_DNS": invalid value "cache=no": unknown dns setting "cache"`,
		"random":          `option "K6_DNS": invalid value "random": expected "ttl=5m,select=random,policy=preferIPv4"`,
	} {
		_, err := FromEnv(map[string]string{"K6_DNS": v})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("K6_DNS=%s: %v\nwant %q", v, err, want)
		}
	}
	d, err := ParseDNS("--dns", "ttl=250,select=roundRobin,policy=any")
	if err != nil || d.Settings() != (DNSSettings{DNSTTL(250 * time.Millisecond), DNSRoundRobin, DNSAny}) {
		t.Errorf("--dns: %v %v", d.Settings(), err)
	}
}
