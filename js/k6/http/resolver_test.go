package http

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stampede-load/stampede/config"
)

// fakeLookup answers from a table and counts its calls.
type fakeLookup struct {
	mu    sync.Mutex
	addrs map[string][]netip.Addr
	err   error
	calls atomic.Int64
}

func (f *fakeLookup) lookup(_ context.Context, host string) ([]netip.Addr, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	a, ok := f.addrs[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return a, nil
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func dnsSettings(ttl config.DNSTTL, sel, policy string) config.DNSSettings {
	return config.DNSSettings{TTL: ttl, Select: sel, Policy: policy}
}

func TestResolverPolicy(t *testing.T) {
	t.Parallel()
	mixed := addrs("2001:db8::1", "192.0.2.1", "::ffff:192.0.2.2", "2001:db8::2")
	for _, tt := range []struct {
		policy string
		in     []netip.Addr
		want   string // the addresses kept, or the error
	}{
		{config.DNSPreferIPv4, mixed, "192.0.2.1 192.0.2.2"},
		{config.DNSPreferIPv4, addrs("2001:db8::1"), "2001:db8::1"},
		{config.DNSPreferIPv6, mixed, "2001:db8::1 2001:db8::2"},
		{config.DNSPreferIPv6, addrs("192.0.2.1"), "192.0.2.1"},
		{config.DNSOnlyIPv4, mixed, "192.0.2.1 192.0.2.2"},
		{config.DNSOnlyIPv4, addrs("2001:db8::1"), "lookup h.test: no IPv4 address found (dns policy onlyIPv4)"},
		{config.DNSOnlyIPv6, mixed, "2001:db8::1 2001:db8::2"},
		{config.DNSOnlyIPv6, addrs("192.0.2.1"), "lookup h.test: no IPv6 address found (dns policy onlyIPv6)"},
		{config.DNSAny, mixed, "2001:db8::1 192.0.2.1 192.0.2.2 2001:db8::2"},
	} {
		f := &fakeLookup{addrs: map[string][]netip.Addr{"h.test": tt.in}}
		r := newResolver(dnsSettings(0, config.DNSFirst, tt.policy), f.lookup)
		e, err := r.entry(context.Background(), "h.test")
		var got string
		if err != nil {
			got = err.Error()
			var de *net.DNSError
			if !errors.As(err, &de) || !de.IsNotFound || errorCode(err) != CodeDNSNoIP {
				t.Errorf("%s %v: %T %v is not a not-found DNS error (code 1101)", tt.policy, tt.in, err, err)
			}
		} else {
			s := make([]string, len(e.addrs))
			for i, a := range e.addrs {
				s[i] = a.String()
			}
			got = strings.Join(s, " ")
		}
		if got != tt.want {
			t.Errorf("%s %v: %q, want %q", tt.policy, tt.in, got, tt.want)
		}
	}
}

func TestResolverSelect(t *testing.T) {
	t.Parallel()
	f := &fakeLookup{addrs: map[string][]netip.Addr{"h.test": addrs("192.0.2.1", "192.0.2.2", "192.0.2.3")}}
	pick := func(r *resolver, n int) []string {
		out := make([]string, n)
		for i := range out {
			a, err := r.resolve(context.Background(), "h.test")
			if err != nil {
				t.Fatal(err)
			}
			out[i] = a.String()
		}
		return out
	}
	ttl := config.DNSTTL(time.Minute)
	if got := strings.Join(pick(newResolver(dnsSettings(ttl, config.DNSFirst, config.DNSAny), f.lookup), 4), " "); got != "192.0.2.1 192.0.2.1 192.0.2.1 192.0.2.1" {
		t.Errorf("first: %s", got)
	}
	if got := strings.Join(pick(newResolver(dnsSettings(ttl, config.DNSRoundRobin, config.DNSAny), f.lookup), 5), " "); got != "192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.1 192.0.2.2" {
		t.Errorf("roundRobin: %s", got)
	}
	seen := map[string]int{}
	for _, a := range pick(newResolver(dnsSettings(ttl, config.DNSRandom, config.DNSAny), f.lookup), 300) {
		seen[a]++
	}
	if len(seen) != 3 || seen["192.0.2.1"] == 0 || seen["192.0.2.2"] == 0 || seen["192.0.2.3"] == 0 {
		t.Errorf("random: %v; want each of the 3 addresses", seen)
	}
}

func TestResolverTTL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ttl   config.DNSTTL
		after time.Duration // the clock's advance before the third resolve
		want  int64         // lookups after three resolves
	}{
		{config.DNSTTL(time.Minute), 59 * time.Second, 1},
		{config.DNSTTL(time.Minute), 61 * time.Second, 2},
		{0, 0, 3}, // no caching: every connection looks up
		{config.DNSTTLInfinite, 1000 * time.Hour, 1},
	} {
		f := &fakeLookup{addrs: map[string][]netip.Addr{"h.test": addrs("192.0.2.1")}}
		r := newResolver(dnsSettings(tt.ttl, config.DNSRandom, config.DNSPreferIPv4), f.lookup)
		now := time.Unix(1e9, 0)
		r.now = func() time.Time { return now }
		for i := range 3 {
			if i == 2 {
				now = now.Add(tt.after)
			}
			if a, err := r.resolve(context.Background(), "h.test"); err != nil || a.String() != "192.0.2.1" {
				t.Fatalf("ttl %s: %v %v", tt.ttl, a, err)
			}
		}
		if got := f.calls.Load(); got != tt.want {
			t.Errorf("ttl %s, +%s: %d lookups, want %d", tt.ttl, tt.after, got, tt.want)
		}
	}

	// A failed lookup is not cached.
	f := &fakeLookup{addrs: map[string][]netip.Addr{"h.test": addrs("192.0.2.1")}, err: errors.New("server failure")}
	r := newResolver(dnsSettings(config.DNSTTLInfinite, config.DNSFirst, config.DNSPreferIPv4), f.lookup)
	if _, err := r.resolve(context.Background(), "h.test"); err == nil {
		t.Fatal("no error")
	}
	f.mu.Lock()
	f.err = nil
	f.mu.Unlock()
	if _, err := r.resolve(context.Background(), "h.test"); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

// Connections to a host whose addresses are not cached wait for one lookup
// rather than each making their own; one whose own connection gave up makes
// the others look up again, not fail.
func TestResolverOneLookupForConcurrentConnections(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 100)
	var calls atomic.Int64
	lookup := func(ctx context.Context, host string) ([]netip.Addr, error) {
		calls.Add(1)
		started <- struct{}{}
		select {
		case <-release:
			return addrs("192.0.2.7"), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r := newResolver(dnsSettings(config.DNSTTL(time.Minute), config.DNSFirst, config.DNSPreferIPv4), lookup)

	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, err := r.resolve(leaderCtx, "h.test")
		leaderErr <- err
	}()
	<-started
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			a, err := r.resolve(context.Background(), "h.test")
			if err == nil && a.String() != "192.0.2.7" {
				err = errors.New("wrong address " + a.String())
			}
			errs <- err
		})
	}
	time.Sleep(20 * time.Millisecond) // the others now wait for the leader's lookup
	cancel()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v", err)
	}
	<-started // a waiter looks up again
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("%d lookups for %d concurrent connections, want 2 (the canceled one and one more)", got, n+1)
	}
}

// The VUs of a process share one resolver per dns setting.
func TestSharedResolver(t *testing.T) {
	t.Parallel()
	s := dnsSettings(config.DNSTTL(42*time.Second), config.DNSFirst, config.DNSAny)
	a, err := NewTransport(&config.Options{DNS: &config.DNS{TTL: &s.TTL, Select: &s.Select, Policy: &s.Policy}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewTransport(&config.Options{DNS: &config.DNS{TTL: &s.TTL, Select: &s.Select, Policy: &s.Policy}})
	c, _ := NewTransport(nil)
	if a.resolver != b.resolver || a.resolver == c.resolver || c.resolver.settings != config.DefaultDNS {
		t.Errorf("resolvers: %p %p %p (%v)", a.resolver, b.resolver, c.resolver, c.resolver.settings)
	}
}

// Through k6/http: a host name is resolved by the dns option's resolver
// ("localhost" with onlyIPv4 reaches the server on 127.0.0.1), on the
// plain-HTTP path and through net/http (https); hosts entries win over DNS.
func TestDNSOptionThroughHTTP(t *testing.T) {
	t.Parallel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	plain := httptest.NewServer(handler)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(handler)
	t.Cleanup(tlsSrv.Close)
	for _, srv := range []*httptest.Server{plain, tlsSrv} {
		scheme, addr, _ := strings.Cut(srv.URL, "://")
		_, port, _ := net.SplitHostPort(addr)
		for _, tt := range []struct {
			name   string
			policy string
			hosts  map[string]string
			url    string
		}{
			{"localhost, onlyIPv4", config.DNSOnlyIPv4, nil, scheme + "://localhost:" + port + "/"},
			{"hosts entry to an address wins", config.DNSOnlyIPv6, map[string]string{"api.test": "127.0.0.1"}, scheme + "://api.test:" + port + "/"},
			{"hosts entry to a name, resolved", config.DNSOnlyIPv4, map[string]string{"api.test": "localhost"}, scheme + "://api.test:" + port + "/"},
		} {
			t.Run(scheme+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				opts := &config.Options{InsecureSkipTLSVerify: ptr(true), Hosts: tt.hosts,
					DNS: &config.DNS{Policy: ptr(tt.policy)}, NoConnectionReuse: ptr(true)}
				rt, _ := newVU(t, srv.URL, opts)
				res := js(t, rt, `(function () { const r = http.get("`+tt.url+`"); return [r.status, r.remote_ip, r.error]; })()`).Export().([]any)
				if res[0].(int64) != 200 || res[1] != "127.0.0.1" {
					t.Errorf("status %v, remote_ip %v, error %v; want 200 from 127.0.0.1", res[0], res[1], res[2])
				}
			})
		}
	}
}

// Through k6/http with an injected lookup: select roundRobin spreads new
// connections over a host's addresses (two loopback servers on one port).
func TestDNSRoundRobinThroughHTTP(t *testing.T) {
	t.Parallel()
	l1, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l1.Addr().String())
	l2, err := net.Listen("tcp", "127.0.0.2:"+port)
	if err != nil {
		l1.Close()
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	for _, l := range []net.Listener{l1, l2} {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.Listener.Close()
		srv.Listener = l
		srv.Start()
		t.Cleanup(srv.Close)
	}
	// Settings no other test uses, so the injected resolver is this test's.
	s := dnsSettings(config.DNSTTL(time.Hour+7*time.Millisecond), config.DNSRoundRobin, config.DNSPreferIPv4)
	f := &fakeLookup{addrs: map[string][]netip.Addr{"rr.test": addrs("127.0.0.1", "127.0.0.2")}}
	resolvers.Store(s, newResolver(s, f.lookup))

	rt, _ := newVU(t, "http://rr.test:"+port+"/", &config.Options{
		NoConnectionReuse: ptr(true),
		DNS:               &config.DNS{TTL: &s.TTL, Select: &s.Select, Policy: &s.Policy},
	})
	v := js(t, rt, `(function () { const ips = []; for (let i = 0; i < 4; i++) { const r = http.get(URL); ips.push(r.status + " " + r.remote_ip); } return ips.join(","); })()`)
	if v.String() != "200 127.0.0.1,200 127.0.0.2,200 127.0.0.1,200 127.0.0.2" {
		t.Errorf("got %s", v)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("%d lookups, want 1 (cached for the ttl)", n)
	}
}
