package http

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-load/stampede/config"
)

// resolver resolves host names for new connections as k6's dns option
// says: lookups are cached per host for the ttl, the policy keeps the
// addresses of the wanted IP versions, and select picks one of them for
// each connection. One resolver serves every VU of the process with the
// same settings (sharedResolver): it is read-mostly, and a cache per VU
// would cost memory per VU and a lookup per VU. It is safe for concurrent
// use.
type resolver struct {
	settings config.DNSSettings
	lookup   func(ctx context.Context, host string) ([]netip.Addr, error)
	now      func() time.Time

	mu       sync.RWMutex
	cache    map[string]*dnsEntry // by host; nil with ttl 0
	inflight map[string]*dnsCall  // lookups under way, by host
}

// dnsEntry is one host's addresses, already filtered by the policy.
type dnsEntry struct {
	addrs   []netip.Addr
	expires time.Time // zero with ttl inf
	next    atomic.Uint32
}

// dnsCall is a lookup under way that other connections to the same host
// wait for, rather than each sending the same query.
type dnsCall struct {
	done  chan struct{}
	entry *dnsEntry
	err   error
}

// maxDNSHosts bounds the cache: past it, it starts again (a script that
// reaches ever new hosts gains nothing from caching them).
const maxDNSHosts = 4096

func newResolver(s config.DNSSettings, lookup func(context.Context, string) ([]netip.Addr, error)) *resolver {
	r := &resolver{settings: s, lookup: lookup, now: time.Now}
	if s.TTL != 0 {
		r.cache = make(map[string]*dnsEntry)
		r.inflight = make(map[string]*dnsCall)
	}
	return r
}

// systemLookup resolves with Go's resolver (the system's configuration:
// /etc/hosts, resolv.conf).
func systemLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// resolvers are the process's resolvers, one for each dns setting in use.
var resolvers sync.Map // config.DNSSettings -> *resolver

// sharedResolver returns the process's resolver for the settings.
func sharedResolver(s config.DNSSettings) *resolver {
	if r, ok := resolvers.Load(s); ok {
		return r.(*resolver)
	}
	r, _ := resolvers.LoadOrStore(s, newResolver(s, systemLookup))
	return r.(*resolver)
}

// resolve returns the address a new connection to host uses.
func (r *resolver) resolve(ctx context.Context, host string) (netip.Addr, error) {
	e, err := r.entry(ctx, host)
	if err != nil {
		return netip.Addr{}, err
	}
	switch n := len(e.addrs); {
	case n == 1 || r.settings.Select == config.DNSFirst:
		return e.addrs[0], nil
	case r.settings.Select == config.DNSRoundRobin:
		return e.addrs[int((e.next.Add(1)-1)%uint32(n))], nil
	default:
		return e.addrs[rand.IntN(n)], nil
	}
}

// entry returns host's addresses: cached while fresh, else looked up once
// for all the connections that want them meanwhile.
func (r *resolver) entry(ctx context.Context, host string) (*dnsEntry, error) {
	if r.cache == nil { // ttl 0: every connection looks up
		return r.lookupEntry(ctx, host)
	}
	for {
		r.mu.RLock()
		e := r.cache[host]
		r.mu.RUnlock()
		if e != nil && (e.expires.IsZero() || r.now().Before(e.expires)) {
			return e, nil
		}
		r.mu.Lock()
		if e2 := r.cache[host]; e2 != e { // refreshed meanwhile
			r.mu.Unlock()
			continue
		}
		c := r.inflight[host]
		if c == nil {
			c = &dnsCall{done: make(chan struct{})}
			r.inflight[host] = c
			r.mu.Unlock()
			c.entry, c.err = r.lookupEntry(ctx, host)
			r.mu.Lock()
			delete(r.inflight, host)
			if c.err == nil {
				if len(r.cache) >= maxDNSHosts {
					r.cache = make(map[string]*dnsEntry)
				}
				r.cache[host] = c.entry
			}
			r.mu.Unlock()
			close(c.done)
			return c.entry, c.err
		}
		r.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if c.err == nil {
			return c.entry, nil
		}
		// The lookup failed: for its own reason, or because the
		// connection that made it gave up. Ours is still wanted: try again
		// for a context error, report anything else.
		if !errors.Is(c.err, context.Canceled) && !errors.Is(c.err, context.DeadlineExceeded) {
			return nil, c.err
		}
	}
}

// lookupEntry looks host up and keeps the addresses the policy allows.
func (r *resolver) lookupEntry(ctx context.Context, host string) (*dnsEntry, error) {
	addrs, err := r.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	kept, err := applyPolicy(r.settings.Policy, host, addrs)
	if err != nil {
		return nil, err
	}
	e := &dnsEntry{addrs: kept}
	if ttl := r.settings.TTL; ttl > 0 {
		e.expires = r.now().Add(time.Duration(ttl))
	}
	return e, nil
}

// applyPolicy returns the addresses of addrs that policy uses, in their
// order: preferIPv4 (IPv4 if any, else IPv6), preferIPv6, onlyIPv4,
// onlyIPv6 or any. None left is a *net.DNSError (k6's error code 1101).
func applyPolicy(policy, host string, addrs []netip.Addr) ([]netip.Addr, error) {
	var v4, v6 []netip.Addr
	for _, a := range addrs {
		if a = a.Unmap(); a.Is4() {
			v4 = append(v4, a)
		} else if a.IsValid() {
			v6 = append(v6, a)
		}
	}
	var kept []netip.Addr
	switch policy {
	case config.DNSOnlyIPv4:
		kept = v4
	case config.DNSOnlyIPv6:
		kept = v6
	case config.DNSPreferIPv6:
		if kept = v6; len(kept) == 0 {
			kept = v4
		}
	case config.DNSAny:
		for _, a := range addrs { // in the resolver's order
			if a = a.Unmap(); a.IsValid() {
				kept = append(kept, a)
			}
		}
	default: // preferIPv4
		if kept = v4; len(kept) == 0 {
			kept = v6
		}
	}
	if len(kept) == 0 {
		msg := "no IP address found"
		switch policy {
		case config.DNSOnlyIPv4:
			msg = "no IPv4 address found (dns policy onlyIPv4)"
		case config.DNSOnlyIPv6:
			msg = "no IPv6 address found (dns policy onlyIPv6)"
		}
		return nil, &net.DNSError{Err: msg, Name: host, IsNotFound: true}
	}
	return kept, nil
}
