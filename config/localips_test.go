package config

import (
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"
)

func mustPool(t *testing.T, v string) *IPPool {
	t.Helper()
	p, err := ParseIPPool("K6_LOCAL_IPS", v)
	if err != nil {
		t.Fatalf("ParseIPPool(%q): %v", v, err)
	}
	return p
}

// Every form k6 documents: single addresses, ranges with both ends
// included, and CIDRs, IPv4 ones of more than 2 addresses without their
// network and broadcast addresses.
func TestParseIPPoolForms(t *testing.T) {
	for _, tc := range []struct {
		in          string
		len         uint64
		first, last string
	}{
		{"10.0.0.7", 1, "10.0.0.7", "10.0.0.7"},
		{" 192.168.20.12 - 192.168.20.15 ", 4, "192.168.20.12", "192.168.20.15"},
		{"10.0.0.9-10.0.0.9", 1, "10.0.0.9", "10.0.0.9"},
		{"10.0.0.250-10.0.1.3", 10, "10.0.0.250", "10.0.1.3"},
		{"192.168.10.0/27", 30, "192.168.10.1", "192.168.10.30"},
		{"192.168.10.7/24", 254, "192.168.10.1", "192.168.10.254"}, // host bits dropped, as a CIDR means
		{"10.0.0.0/30", 2, "10.0.0.1", "10.0.0.2"},
		{"10.0.0.4/31", 2, "10.0.0.4", "10.0.0.5"}, // 2 addresses: both kept
		{"10.0.0.4/32", 1, "10.0.0.4", "10.0.0.4"},
		{"::ffff:10.0.0.1", 1, "10.0.0.1", "10.0.0.1"}, // IPv4-mapped is IPv4
		{"::ffff:10.0.0.0/120", 254, "10.0.0.1", "10.0.0.254"},
		{"fd00::1", 1, "fd00::1", "fd00::1"},
		{"fd00::1-fd00::3", 3, "fd00::1", "fd00::3"},
		{"fd00::/126", 4, "fd00::", "fd00::3"}, // IPv6: every address
		{"fd00::/64", math.MaxUint64, "fd00::", "fd00::ffff:ffff:ffff:fffe"},
	} {
		p := mustPool(t, tc.in)
		if p.Len() != tc.len {
			t.Errorf("%q: %d addresses, want %d", tc.in, p.Len(), tc.len)
		}
		if got := p.Addr(0).String(); got != tc.first {
			t.Errorf("%q: first %s, want %s", tc.in, got, tc.first)
		}
		if got := p.Addr(tc.len - 1).String(); got != tc.last {
			t.Errorf("%q: last %s, want %s", tc.in, got, tc.last)
		}
		if got := p.String(); got != strings.TrimSpace(tc.in) {
			t.Errorf("%q: String() = %q", tc.in, got)
		}
	}
	if p := mustPool(t, ""); p == nil || p.Len() != 0 || p.Addr(3).IsValid() || p.ForVU(1).IsValid() {
		t.Errorf("an empty pool: %v", p)
	}
	var nilPool *IPPool
	if nilPool.Len() != 0 || nilPool.ForVU(1).IsValid() || nilPool.Entries() != nil {
		t.Errorf("a nil pool has addresses")
	}
}

// The n-th address walks the entries in order, counting repeated entries
// again, and wraps around; VU 1 gets the first address.
func TestIPPoolNthAddress(t *testing.T) {
	p := mustPool(t, "10.0.0.5-10.0.0.6, 192.168.1.0/30, fd00::ffff:ffff:ffff:fffe-fd00:0:0:1::, 10.9.9.9, 10.0.0.5")
	want := []string{
		"10.0.0.5", "10.0.0.6",
		"192.168.1.1", "192.168.1.2",
		"fd00::ffff:ffff:ffff:fffe", "fd00::ffff:ffff:ffff:ffff", "fd00:0:0:1::", // carry into the high 64 bits
		"10.9.9.9",
		"10.0.0.5",
	}
	if p.Len() != uint64(len(want)) {
		t.Fatalf("%d addresses, want %d", p.Len(), len(want))
	}
	for n := range uint64(3 * len(want)) {
		if got := p.Addr(n).String(); got != want[n%uint64(len(want))] {
			t.Errorf("Addr(%d) = %s, want %s", n, got, want[n%uint64(len(want))])
		}
	}
	for id, w := range map[uint64]string{0: "10.0.0.5", 1: "10.0.0.5", 2: "10.0.0.6", 3: "192.168.1.1", 9: "10.0.0.5", 10: "10.0.0.5", 11: "10.0.0.6", 17: "10.9.9.9"} {
		if got := p.ForVU(id).String(); got != w {
			t.Errorf("ForVU(%d) = %s, want %s", id, got, w)
		}
	}
}

// A range is a first address and a count: 2^20 addresses (or an IPv6 /32)
// take no more memory than one, and the n-th is computed.
func TestIPPoolLargeRangesAreNotExpanded(t *testing.T) {
	p := mustPool(t, "10.0.0.0-10.15.255.255,2001:db8::/32")
	if len(p.ranges) != 2 || p.Len() != math.MaxUint64 {
		t.Fatalf("%d ranges, %d addresses", len(p.ranges), p.Len())
	}
	for n, want := range map[uint64]string{0: "10.0.0.0", 1<<20 - 1: "10.15.255.255", 1 << 20: "2001:db8::", 1<<20 + 1<<40: "2001:db8::100:0:0"} {
		if got := p.Addr(n); got != netip.MustParseAddr(want) {
			t.Errorf("Addr(%d) = %s, want %s", n, got, want)
		}
	}
	allocs := testing.AllocsPerRun(100, func() { _ = p.ForVU(1<<20 + 5) })
	if allocs != 0 {
		t.Errorf("ForVU allocates %v times", allocs)
	}
}

// Bad entries are errors naming the option (the K6_* variable, the flag,
// or the script option's path), the entry, and what is allowed; every bad
// entry is reported.
func TestLocalIPsErrors(t *testing.T) {
	const allowed = "expected an IP address (10.0.0.10), a range (10.0.0.10-10.0.0.20) or a CIDR (10.0.0.0/24)"
	for in, want := range map[string]string{
		"192.168.20.12-192.168.10.15": `option "K6_LOCAL_IPS": invalid value "192.168.20.12-192.168.10.15": the range's start is after its end; write its lowest address first (10.0.0.10-10.0.0.20)`,
		"10.0.0.1-fd00::1":            `option "K6_LOCAL_IPS": invalid value "10.0.0.1-fd00::1": the range mixes IPv4 and IPv6; both ends must be of the same IP version`,
		"localhost":                   `option "K6_LOCAL_IPS": invalid value "localhost": ` + allowed,
		"10.0.0.1-":                   `option "K6_LOCAL_IPS": invalid value "10.0.0.1-": ` + allowed,
		"10.0.0.0/33":                 `option "K6_LOCAL_IPS": invalid value "10.0.0.0/33": ` + allowed,
		"10.0.0.0/8-10.1.0.0":         `option "K6_LOCAL_IPS": invalid value "10.0.0.0/8-10.1.0.0": ` + allowed,
		"fe80::1%eth0":                `option "K6_LOCAL_IPS": invalid value "fe80::1%eth0": ` + allowed,
		"10.0.0.1, nope, 10.0.0.9-10.0.0.2": `option "K6_LOCAL_IPS": invalid value "nope": ` + allowed + "\n" +
			`option "K6_LOCAL_IPS": invalid value "10.0.0.9-10.0.0.2": the range's start is after its end; write its lowest address first (10.0.0.10-10.0.0.20)`,
	} {
		_, err := FromEnv(map[string]string{"K6_LOCAL_IPS": in})
		if err == nil || err.Error() != want || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("K6_LOCAL_IPS=%s:\n got %v\nwant %s", in, err, want)
		}
	}
	for in, want := range map[string]string{
		`{"localIPs": ["10.0.0.1", 7, "x", ""]}`: `option "localIPs[1]": invalid value 7: ` + allowed + "\n" +
			`option "localIPs[2]": invalid value "x": ` + allowed + "\n" +
			`option "localIPs[3]": invalid value "": ` + allowed,
		`{"localIPs": "10.0.0.1,10.0.0.3-10.0.0.2"}`: `option "localIPs": invalid value "10.0.0.3-10.0.0.2": the range's start is after its end; write its lowest address first (10.0.0.10-10.0.0.20)`,
		`{"localIPs": true}`:                         `option "localIPs": invalid value true: expected a string of comma-separated IP addresses, ranges (10.0.0.10-10.0.0.20) and CIDRs (10.0.0.0/24), or an array of them`,
	} {
		_, _, err := DecodeOptions([]byte(in))
		if err == nil || err.Error() != want || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s:\n got %v\nwant %s", in, err, want)
		}
	}
	if _, err := ParseIPPool("--local-ips", "1.2.3"); err == nil || !strings.HasPrefix(err.Error(), `option "--local-ips": invalid value "1.2.3": `) {
		t.Errorf("flag error %v", err)
	}
}

// localIPs is a script and config-file option (a string or an array), no
// longer a warning; layers override it whole, and `inspect` shows it as
// written.
func TestLocalIPsOption(t *testing.T) {
	o, warns, err := DecodeOptions([]byte(`{"localIPs": ["10.0.0.1-10.0.0.2", "10.0.1.0/30,10.0.2.1"]}`))
	if err != nil || len(warns) != 0 {
		t.Fatalf("err %v warnings %v", err, warns)
	}
	if o.LocalIPs.String() != "10.0.0.1-10.0.0.2,10.0.1.0/30,10.0.2.1" || o.LocalIPs.Len() != 5 {
		t.Errorf("decoded %s (%d addresses)", o.LocalIPs, o.LocalIPs.Len())
	}
	c, err := Consolidate(mustDecode(t, `{"localIPs": "10.0.0.1"}`), mustEnv(t, map[string]string{"K6_LOCAL_IPS": "127.0.0.2-127.0.0.3"}), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.LocalIPs.String() != "127.0.0.2-127.0.0.3" {
		t.Errorf("env over script: %s", c.LocalIPs)
	}
	out, err := c.JSON()
	if err != nil || !strings.Contains(string(out), `"localIPs": [
    "127.0.0.2-127.0.0.3"
  ]`) {
		t.Errorf("inspect JSON: %s %v", out, err)
	}
	var back struct {
		LocalIPs *IPPool `json:"localIPs"`
	}
	if err := json.Unmarshal(out, &back); err != nil || back.LocalIPs.String() != "127.0.0.2-127.0.0.3" {
		t.Errorf("JSON round trip: %v %v", back.LocalIPs, err)
	}
	// An empty value at a higher layer unbinds (the flag's --local-ips="").
	empty, _ := ParseIPPool("--local-ips", "")
	c, err = Consolidate(mustDecode(t, `{"localIPs": "10.0.0.1"}`), Config{}, Config{Options: Options{LocalIPs: empty}})
	if err != nil || c.LocalIPs.Len() != 0 {
		t.Errorf("empty CLI value: %v %v", c.LocalIPs, err)
	}
	// Unset everywhere: nil, and not in inspect's output.
	c, err = Consolidate(Options{}, Config{}, Config{})
	if out, _ := c.JSON(); err != nil || c.LocalIPs != nil || strings.Contains(string(out), "localIPs") {
		t.Errorf("unset localIPs: %v %v", c.LocalIPs, err)
	}
}
