package config

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// IPPool is k6's localIPs option (--local-ips, K6_LOCAL_IPS): the local
// addresses VUs connect from, one per VU, given out in order (ForVU).
// It is written as IP addresses ("10.0.0.5"), ranges ("10.0.0.5-10.0.0.9",
// both ends included) and CIDRs ("10.0.0.0/24"), separated by commas or
// as an array. An IPv4 CIDR of more than 2 addresses leaves out its first
// and last (the network and broadcast addresses), as in k6; an IPv6 CIDR
// keeps all of them. An entry written twice is used twice as often.
//
// Ranges are kept as a first address and a count, never expanded: a
// /12 costs what a single address does. An IPPool is never modified once
// parsed; VUs share it.
type IPPool struct {
	ranges []ipRange
	size   uint64 // sum of the ranges' sizes, at most math.MaxUint64
}

// ipRange is one entry of an IPPool: n consecutive addresses from first.
type ipRange struct {
	text  string // the entry as written
	first netip.Addr
	n     uint64 // at most math.MaxUint64 (an IPv6 range may hold more)
}

const (
	wantLocalIP      = "expected an IP address (10.0.0.10), a range (10.0.0.10-10.0.0.20) or a CIDR (10.0.0.0/24)"
	wantLocalIPs     = "expected a string of comma-separated IP addresses, ranges (10.0.0.10-10.0.0.20) and CIDRs (10.0.0.0/24), or an array of them"
	problemReversed  = "the range's start is after its end; write its lowest address first (10.0.0.10-10.0.0.20)"
	problemMixedIPv6 = "the range mixes IPv4 and IPv6; both ends must be of the same IP version"
)

// ParseIPPool parses the localIPs option's text form, as K6_LOCAL_IPS
// and --local-ips take it: comma-separated addresses, ranges and CIDRs
// ("10.0.0.5-10.0.0.9,10.0.1.0/28"). option names the source in errors,
// every bad entry is reported. An empty v is an empty pool (connections
// are not bound to a local address).
func ParseIPPool(option, v string) (*IPPool, error) {
	p := &IPPool{}
	var errs []error
	for _, item := range SplitList(v) {
		if err := p.add(option, item); err != nil {
			errs = append(errs, err)
		}
	}
	return p, errors.Join(errs...)
}

// add parses one entry into p.
func (p *IPPool) add(option, item string) error {
	r, problem := parseIPRangeEntry(item)
	if problem != "" {
		return optErr(option, item, "%s", problem)
	}
	p.ranges = append(p.ranges, r)
	p.size = addSat(p.size, r.n)
	return nil
}

// parseIPRangeEntry parses one localIPs entry; problem says what is
// wrong with it, or is "".
func parseIPRangeEntry(s string) (r ipRange, problem string) {
	s = strings.TrimSpace(s)
	r.text = s
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, okA := parseLocalAddr(lo)
		b, okB := parseLocalAddr(hi)
		switch {
		case !okA || !okB:
			return r, wantLocalIP
		case a.Is4() != b.Is4():
			return r, problemMixedIPv6
		case b.Less(a):
			return r, problemReversed
		}
		r.first, r.n = a, addSat(addrDiff(a, b), 1)
		return r, ""
	}
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return r, wantLocalIP
		}
		if a := pfx.Addr(); a.Is4In6() && pfx.Bits() >= 96 {
			pfx = netip.PrefixFrom(a.Unmap(), pfx.Bits()-96)
		}
		pfx = pfx.Masked()
		r.first, r.n = pfx.Addr(), math.MaxUint64
		if host := pfx.Addr().BitLen() - pfx.Bits(); host < 64 {
			r.n = 1 << host
		}
		if pfx.Addr().Is4() && r.n > 2 {
			r.first, r.n = r.first.Next(), r.n-2 // no network or broadcast address
		}
		return r, ""
	}
	a, ok := parseLocalAddr(s)
	if !ok {
		return r, wantLocalIP
	}
	r.first, r.n = a, 1
	return r, ""
}

// parseLocalAddr parses an IP address without a zone; an IPv4-mapped IPv6
// address is its IPv4 address.
func parseLocalAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// u128 returns a as a 128-bit number (IPv4 addresses in the low 32 bits).
func u128(a netip.Addr) (hi, lo uint64) {
	if a.Is4() {
		b := a.As4()
		return 0, uint64(binary.BigEndian.Uint32(b[:]))
	}
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// addrDiff returns b - a (a <= b, same version), at most math.MaxUint64.
func addrDiff(a, b netip.Addr) uint64 {
	ahi, alo := u128(a)
	bhi, blo := u128(b)
	lo := blo - alo
	if blo < alo {
		bhi-- // borrow
	}
	if bhi != ahi {
		return math.MaxUint64
	}
	return lo
}

// addrAdd returns the address n after a, which the caller knows exists.
func addrAdd(a netip.Addr, n uint64) netip.Addr {
	hi, lo := u128(a)
	if a.Is4() {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(lo+n))
		return netip.AddrFrom4(b)
	}
	if lo+n < lo {
		hi++ // carry
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo+n)
	return netip.AddrFrom16(b)
}

func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// Len returns the number of addresses in the pool, counting an entry
// written twice twice (at most math.MaxUint64; 0 for a nil pool).
func (p *IPPool) Len() uint64 {
	if p == nil {
		return 0
	}
	return p.size
}

// Addr returns the pool's n-th address (from 0, in the order written),
// wrapping around past the last. It is the zero Addr for an empty pool.
func (p *IPPool) Addr(n uint64) netip.Addr {
	if p.Len() == 0 {
		return netip.Addr{}
	}
	if p.size < math.MaxUint64 {
		n %= p.size
	}
	for _, r := range p.ranges {
		if n < r.n {
			return addrAdd(r.first, n)
		}
		n -= r.n
	}
	return p.ranges[len(p.ranges)-1].first // not reached
}

// ForVU returns the local address of the VU with idInInstance id: the
// pool's addresses are given out in order, VU 1 getting the first, and
// start over when VUs outnumber them. id 0 (setup, teardown) gets the
// first address.
func (p *IPPool) ForVU(id uint64) netip.Addr {
	if id > 0 {
		id--
	}
	return p.Addr(id)
}

// Entries returns the pool's entries as written.
func (p *IPPool) Entries() []string {
	if p == nil {
		return nil
	}
	out := make([]string, len(p.ranges))
	for i, r := range p.ranges {
		out[i] = r.text
	}
	return out
}

// String returns the pool in K6_LOCAL_IPS's form.
func (p *IPPool) String() string { return strings.Join(p.Entries(), ",") }

// MarshalJSON encodes the pool as the array of its entries.
func (p *IPPool) MarshalJSON() ([]byte, error) {
	e := p.Entries()
	if e == nil {
		e = []string{}
	}
	return json.Marshal(e)
}

// UnmarshalJSON decodes a comma-separated string or an array of entries.
func (p *IPPool) UnmarshalJSON(b []byte) error {
	var dst *IPPool
	if err := decLocalIPs(&dst)("localIPs", b); err != nil {
		return err
	}
	if dst == nil {
		dst = &IPPool{}
	}
	*p = *dst
	return nil
}

// decLocalIPs decodes the localIPs option: a string in K6_LOCAL_IPS's
// form or an array of entries (each may itself hold several, separated
// by commas). Errors name the entry: "localIPs[1]".
func decLocalIPs(dst **IPPool) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		if ok, err := decTextForm(path, raw, dst, ParseIPPool); ok {
			return err
		}
		switch kindOf(raw) {
		case '[':
			var elems []json.RawMessage
			if json.Unmarshal(raw, &elems) != nil {
				break
			}
			p := &IPPool{}
			var errs []error
			for i, el := range elems {
				ep := path + "[" + strconv.Itoa(i) + "]"
				var s string
				if kindOf(el) != '"' || json.Unmarshal(el, &s) != nil {
					errs = append(errs, optErr(ep, rawValue(el), wantLocalIP))
					continue
				}
				items := SplitList(s)
				if len(items) == 0 {
					errs = append(errs, optErr(ep, s, wantLocalIP))
				}
				for _, item := range items {
					if err := p.add(ep, item); err != nil {
						errs = append(errs, err)
					}
				}
			}
			if len(errs) > 0 {
				return errors.Join(errs...)
			}
			*dst = p
			return nil
		}
		return optErr(path, rawValue(raw), wantLocalIPs)
	}
}
