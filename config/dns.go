package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DNS is k6's dns option: how names are resolved for new connections.
// Unset fields take k6's defaults (DefaultDNS); each layer overrides only
// the fields it sets (K6_DNS="policy=onlyIPv4" keeps the script's ttl).
type DNS struct {
	// TTL is how long resolved addresses are cached: 0 not at all,
	// DNSTTLInfinite for the whole run.
	TTL *DNSTTL `json:"ttl,omitempty"`
	// Select is which address of several a connection uses: DNSFirst,
	// DNSRandom or DNSRoundRobin.
	Select *string `json:"select,omitempty"`
	// Policy is which IP versions are used: DNSPreferIPv4, DNSPreferIPv6,
	// DNSOnlyIPv4, DNSOnlyIPv6 or DNSAny.
	Policy *string `json:"policy,omitempty"`
}

// DNSTTL is the dns option's ttl: a duration, 0 (no caching) or
// DNSTTLInfinite ("inf"). It encodes as "inf", "0" or a duration string.
type DNSTTL time.Duration

// DNSTTLInfinite caches resolved addresses for the whole run ("inf").
const DNSTTLInfinite DNSTTL = -1

// MarshalJSON encodes the ttl as k6 writes it: "inf", "0" or "5m0s".
func (t DNSTTL) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// String renders the ttl: "inf", "0" or a duration ("5m0s").
func (t DNSTTL) String() string {
	switch {
	case t == DNSTTLInfinite:
		return "inf"
	case t == 0:
		return "0"
	}
	return time.Duration(t).String()
}

// The dns option's select and policy values, as k6 names them.
const (
	DNSFirst      = "first"
	DNSRandom     = "random"
	DNSRoundRobin = "roundRobin"

	DNSPreferIPv4 = "preferIPv4"
	DNSPreferIPv6 = "preferIPv6"
	DNSOnlyIPv4   = "onlyIPv4"
	DNSOnlyIPv6   = "onlyIPv6"
	DNSAny        = "any"
)

// DefaultDNSTTL is k6's default ttl.
const DefaultDNSTTL = DNSTTL(5 * time.Minute)

var (
	dnsSelects  = []string{DNSFirst, DNSRandom, DNSRoundRobin}
	dnsPolicies = []string{DNSPreferIPv4, DNSPreferIPv6, DNSOnlyIPv4, DNSOnlyIPv6, DNSAny}
)

// DNSSettings are the dns option with k6's defaults filled in.
type DNSSettings struct {
	TTL    DNSTTL
	Select string
	Policy string
}

// DefaultDNS is k6's default: ttl=5m,select=random,policy=preferIPv4.
var DefaultDNS = DNSSettings{TTL: DefaultDNSTTL, Select: DNSRandom, Policy: DNSPreferIPv4}

// Settings returns d with defaults for the fields it does not set (d may
// be nil).
func (d *DNS) Settings() DNSSettings {
	s := DefaultDNS
	if d == nil {
		return s
	}
	if d.TTL != nil {
		s.TTL = *d.TTL
	}
	if d.Select != nil {
		s.Select = *d.Select
	}
	if d.Policy != nil {
		s.Policy = *d.Policy
	}
	return s
}

// apply returns d with the fields h sets taking h's values.
func (d *DNS) apply(h *DNS) *DNS {
	if d == nil {
		return h
	}
	if h == nil {
		return d
	}
	m := *d
	if h.TTL != nil {
		m.TTL = h.TTL
	}
	if h.Select != nil {
		m.Select = h.Select
	}
	if h.Policy != nil {
		m.Policy = h.Policy
	}
	return &m
}

const (
	wantDNSTTL    = `expected "inf", "0", a duration like "5m" or a number of milliseconds`
	wantDNSString = `expected "ttl=5m,select=random,policy=preferIPv4" (any of the three)`
)

// ParseDNSTTL parses a dns ttl: "inf", "0", a duration ("1m30s") or a
// plain number of milliseconds ("3000"), as k6 reads it.
func ParseDNSTTL(s string) (DNSTTL, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "inf") {
		return DNSTTLInfinite, nil
	}
	if isDecimal(s) {
		f, err := strconv.ParseFloat(s, 64)
		d, ok := scaleDuration(f, time.Millisecond)
		if err != nil || !ok || d < 0 {
			return 0, errors.New(wantDNSTTL)
		}
		return DNSTTL(d), nil
	}
	d, err := ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New(wantDNSTTL)
	}
	return DNSTTL(d), nil
}

// oneOf returns the member of allowed that s names, case-insensitively.
func oneOf(s string, allowed []string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSpace(s), a) {
			return a, true
		}
	}
	return "", false
}

func quoteAll(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// ParseDNS parses the dns option's text form, as K6_DNS and --dns take it:
// "ttl=5m,select=random,policy=preferIPv4", any of the three. option names
// the source (K6_DNS, --dns) in errors.
func ParseDNS(option, v string) (*DNS, error) {
	d := &DNS{}
	var errs []error
	for _, item := range SplitList(v) {
		k, val, ok := strings.Cut(item, "=")
		if !ok {
			errs = append(errs, optErr(option, item, wantDNSString))
			continue
		}
		if problem := d.set(strings.TrimSpace(k), strings.TrimSpace(val)); problem != "" {
			errs = append(errs, optErr(option, item, "%s", problem))
		}
	}
	return d, errors.Join(errs...)
}

// set sets one field of d from its text value; it returns what is wrong
// with the value, or "".
func (d *DNS) set(key, val string) string {
	switch key {
	case "ttl":
		t, err := ParseDNSTTL(val)
		if err != nil {
			return wantDNSTTL
		}
		d.TTL = &t
	case "select":
		s, ok := oneOf(val, dnsSelects)
		if !ok {
			return "allowed: " + quoteAll(dnsSelects)
		}
		d.Select = &s
	case "policy":
		p, ok := oneOf(val, dnsPolicies)
		if !ok {
			return "allowed: " + quoteAll(dnsPolicies)
		}
		d.Policy = &p
	default:
		return "unknown dns setting " + strconv.Quote(key) + "; allowed: ttl, select, policy"
	}
	return ""
}

// decTextForm decodes raw into *dst when it is a JSON string: an option's
// text form (as its env var and flag take it), read by parse. It reports
// false, and does nothing, for a value of any other kind.
func decTextForm[T any](path string, raw json.RawMessage, dst **T, parse func(option, s string) (*T, error)) (bool, error) {
	var s string
	if kindOf(raw) != '"' || json.Unmarshal(raw, &s) != nil {
		return false, nil
	}
	v, err := parse(path, s)
	if err != nil {
		return true, err
	}
	*dst = v
	return true, nil
}

// decDNS decodes the dns option: {ttl, select, policy} (ttl a string or
// milliseconds), or its text form "ttl=5m,select=random,policy=any".
func decDNS(dst **DNS) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		if ok, err := decTextForm(path, raw, dst, ParseDNS); ok {
			return err
		}
		switch kindOf(raw) {
		case '{':
			var obj map[string]json.RawMessage
			if json.Unmarshal(raw, &obj) != nil {
				break
			}
			d := &DNS{}
			text := func(key string) fieldDecoder {
				return func(p string, v json.RawMessage) error {
					if isNull(v) {
						return nil
					}
					var s string
					if kindOf(v) != '"' || json.Unmarshal(v, &s) != nil {
						return optErr(p, rawValue(v), wantString)
					}
					if problem := d.set(key, s); problem != "" {
						return optErr(p, s, "%s", problem)
					}
					return nil
				}
			}
			fields := map[string]fieldDecoder{
				"ttl": func(p string, v json.RawMessage) error {
					if isNull(v) || kindOf(v) == '"' {
						return text("ttl")(p, v)
					}
					var ms float64
					if json.Unmarshal(v, &ms) != nil || ms < 0 || math.IsInf(ms, 0) {
						return optErr(p, rawValue(v), wantDNSTTL)
					}
					td, ok := scaleDuration(ms, time.Millisecond)
					if !ok {
						return optErr(p, rawValue(v), wantDNSTTL)
					}
					t := DNSTTL(td)
					d.TTL = &t
					return nil
				},
				"select": text("select"),
				"policy": text("policy"),
			}
			if errs := decodeStrictObject(path, obj, fields); len(errs) > 0 {
				return errors.Join(errs...)
			}
			*dst = d
			return nil
		}
		return optErr(path, rawValue(raw), `expected {"ttl": "5m", "select": "random", "policy": "preferIPv4"} (any of the three)`)
	}
}

// String renders the settings in K6_DNS's form.
func (s DNSSettings) String() string {
	return fmt.Sprintf("ttl=%s,select=%s,policy=%s", s.TTL, s.Select, s.Policy)
}
