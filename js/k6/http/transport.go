package http

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modules"
)

// Transport is one VU's HTTP transport: an http.Transport whose dialer
// applies the hosts option and counts every byte read from and written to
// the VU's connections (TLS records included), for data_sent and
// data_received. It keeps connections alive between requests of the VU
// (unless noConnectionReuse) and speaks HTTP/2 over TLS when the server
// offers it. It is safe for concurrent use.
//
// A VU's Transport lives in modules.State.Transport. The runtime may build it
// with NewTransport when it creates the VU; when State.Transport is nil,
// k6/http creates it on the VU's first request (see ClientFor).
type Transport struct {
	// base is net/http's transport, for what the plain-HTTP/1.1 path does
	// not take (https, HTTP/2, proxies, large bodies): built on first use
	// (baseTransport), as many VUs never need it. opts is nil when the
	// Transport wraps a foreign RoundTripper (rt).
	opts   *config.Options
	baseMu sync.Mutex
	base   atomic.Pointer[http.Transport]
	rt     http.RoundTripper // a foreign RoundTripper, or nil
	dialer *net.Dialer
	// The connection settings both paths share.
	idleTimeout    time.Duration
	maxIdlePerHost int
	noKeepAlives   bool
	hosts          map[string]string
	// resolver resolves host names (the dns option); shared by every VU
	// with the same settings.
	resolver *resolver
	// certs are the tlsAuth client certificates (nil without), shared by
	// every VU with the same options.
	certs *clientCerts
	// blocked are the blockHostnames patterns (config.HostnamePattern);
	// blacklistIPs ranges are checked by the dialer's Control.
	blocked []string

	sent, received atomic.Int64

	mu       sync.Mutex // guards the fields below
	client   *Client
	iterScen *modules.ScenarioState // scenario of the last iteration seen
	iter     int64                  // State.Iteration of the last iteration seen
	iterSeen bool
	ownJar   *vuJar // the jar this Transport put in State.CookieJar

	// h1: plain http:// requests may take the VU-goroutine path (h1.go),
	// whose idle connections are in h1Pool.
	h1     bool
	h1Pool h1Pool
}

// parsedURL is a request URL checked and split for sending. It is shared by
// every request to the same URL string and never modified.
type parsedURL struct {
	u          *url.URL // without credentials
	str        string   // as given, credentials masked
	user, pass string
	hasCreds   bool
}

// parseURL parses and checks a request URL, through a cache shared by all
// VUs: a script hitting the same URLs parses each once, not once per VU.
// A parsedURL and its url.URL are never modified once made.
func (t *Transport) parseURL(raw string) (*parsedURL, error) {
	if pu, ok := sharedURLs.get(raw); ok {
		return pu, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, credentials included
		}
		return nil, fmt.Errorf("%w: url %q: %w", ErrInvalidRequest, redactURL(raw), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: url %q: the scheme must be http or https", ErrInvalidRequest, redactURL(raw))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: url %q has no host", ErrInvalidRequest, redactURL(raw))
	}
	pu := &parsedURL{u: u, str: raw}
	if u.User != nil {
		pu.user = u.User.Username()
		pu.pass, _ = u.User.Password()
		pu.hasCreds = true
		pu.str = maskedURL(u)
		u.User = nil
	}
	sharedURLs.put(raw, pu)
	return pu, nil
}

// sharedURLs is parseURL's cache; scripts that hit unique URLs just refill it.
var sharedURLs = sharedCache[string, *parsedURL]{max: 4096}

var _ http.RoundTripper = (*Transport)(nil)

// NewTransport builds a VU's transport from the consolidated options (nil
// means defaults): insecureSkipTLSVerify, tlsVersion, tlsCipherSuites,
// tlsAuth, hosts, dns, blockHostnames, blacklistIPs, localIPs,
// noConnectionReuse, batch and batchPerHost (idle connections kept per
// host).
//
// With localIPs, every connection of the VU (HTTP/1.1, HTTP/2, TLS, to a
// proxy) is made from the VU's address once bindVU gave the transport its
// VU: config.IPPool.ForVU of the VU id; VU 1 gets the first address, and so
// on, as k6 gives them out. As in k6, which binds
// Go's dialer the same way, a connection to an address of the other IP
// version fails ("no suitable address found"): an IPv4 source cannot
// reach an IPv6 address, so the dns policy should match the local IPs'
// version (the default preferIPv4 does for IPv4 ones).
func NewTransport(opts *config.Options) (*Transport, error) {
	if opts == nil {
		opts = &config.Options{}
	}
	_, certs, err := tlsSettings(opts)
	if err != nil {
		return nil, err
	}
	hosts := make(map[string]string, len(opts.Hosts))
	for name, target := range opts.Hosts {
		if name == "" || target == "" {
			return nil, fmt.Errorf("option hosts: %q -> %q: name and address must not be empty", name, target)
		}
		hosts[strings.ToLower(name)] = target
	}
	t := &Transport{
		opts:           opts,
		dialer:         &net.Dialer{KeepAlive: 30 * time.Second},
		hosts:          hosts,
		resolver:       sharedResolver(opts.DNS.Settings()),
		certs:          certs,
		idleTimeout:    90 * time.Second,
		maxIdlePerHost: int(max(config.Int(opts.Batch, config.DefaultBatch), config.Int(opts.BatchPerHost, config.DefaultBatchPerHost), 6)),
		noKeepAlives:   config.Bool(opts.NoConnectionReuse, false),
	}
	for _, s := range opts.BlockHostnames {
		p, ok := config.HostnamePattern(s)
		if !ok {
			return nil, fmt.Errorf("option blockHostnames: %q is not a host name or *.domain", s)
		}
		t.blocked = append(t.blocked, p)
	}
	if len(opts.BlacklistIPs) > 0 {
		ranges := make([]*net.IPNet, 0, len(opts.BlacklistIPs))
		for _, s := range opts.BlacklistIPs {
			n, ok := config.ParseIPRange(s)
			if !ok {
				return nil, fmt.Errorf("option blacklistIPs: %q is not an IP range or address", s)
			}
			ranges = append(ranges, n)
		}
		// Control sees the address actually dialled, after name resolution.
		t.dialer.Control = func(_, address string, _ syscall.RawConn) error {
			return checkIP(ranges, address)
		}
	}
	// A proxy for http:// URLs goes through net/http, which applies it.
	t.h1 = !h1Disabled && os.Getenv("HTTP_PROXY") == "" && os.Getenv("http_proxy") == ""
	return t, nil
}

// tlsSettings returns the TLS configuration the options ask for:
// insecureSkipTLSVerify, tlsVersion, tlsCipherSuites and tlsAuth (whose
// certificates it also returns; nil without).
func tlsSettings(opts *config.Options) (*tls.Config, *clientCerts, error) {
	tlsConf := &tls.Config{InsecureSkipVerify: config.Bool(opts.InsecureSkipTLSVerify, false)} //nolint:gosec // k6's insecureSkipTLSVerify option
	if v := opts.TLSVersion; v != nil {
		minV, err := tlsVersion(v.Min)
		if err != nil {
			return nil, nil, fmt.Errorf("option tlsVersion.min: %w", err)
		}
		maxV, err := tlsVersion(v.Max)
		if err != nil {
			return nil, nil, fmt.Errorf("option tlsVersion.max: %w", err)
		}
		if minV != 0 && maxV != 0 && minV > maxV {
			return nil, nil, fmt.Errorf("option tlsVersion: min %q is above max %q", v.Min, v.Max)
		}
		tlsConf.MinVersion, tlsConf.MaxVersion = minV, maxV
	}
	for _, name := range opts.TLSCipherSuites {
		id, ok := config.CipherSuite(name)
		if !ok {
			return nil, nil, fmt.Errorf("option tlsCipherSuites: %q is not a TLS cipher suite", name)
		}
		tlsConf.CipherSuites = append(tlsConf.CipherSuites, id)
	}
	certs, err := clientCertsFor(opts.TLSAuth)
	if err != nil {
		return nil, nil, err
	}
	if certs != nil {
		// Connections dialled by dialTLS get the certificate of their
		// server name; this one serves the others (HTTPS through a proxy),
		// which only an entry without domains applies to.
		fallback := certs.forHost("")
		tlsConf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return fallback, nil
		}
	}
	return tlsConf, certs, nil
}

// baseTransport returns net/http's transport for t (nil when t wraps a
// foreign RoundTripper), building it on first use.
func (t *Transport) baseTransport() *http.Transport {
	if b := t.base.Load(); b != nil || t.opts == nil {
		return b
	}
	t.baseMu.Lock()
	defer t.baseMu.Unlock()
	if b := t.base.Load(); b != nil {
		return b
	}
	tlsConf, _, _ := tlsSettings(t.opts) // checked by NewTransport
	b := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         t.dialContext,
		TLSClientConfig:     tlsConf,
		ForceAttemptHTTP2:   true,
		DisableCompression:  true, // k6 decodes Content-Encoding itself
		DisableKeepAlives:   t.noKeepAlives,
		MaxIdleConnsPerHost: t.maxIdlePerHost,
		IdleConnTimeout:     t.idleTimeout,
	}
	if t.certs != nil && t.certs.perHost {
		b.DialTLSContext = t.dialTLS
	}
	t.base.Store(b)
	return b
}

// wrapTransport adapts a RoundTripper the runtime put in State.Transport;
// it has no byte counting (no data_sent/data_received samples).
func wrapTransport(rt http.RoundTripper) *Transport {
	return &Transport{rt: rt}
}

// RoundTrip sends one request through the VU's connections.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.rt != nil {
		return t.rt.RoundTrip(r)
	}
	return t.baseTransport().RoundTrip(r)
}

// CloseIdleConnections closes the VU's idle connections (noVUConnectionReuse
// does it between iterations).
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	if b := t.base.Load(); b != nil {
		b.CloseIdleConnections()
	}
	t.closeIdleH1()
}

// Dialer returns the net.Dialer the transport connects with (nil for a
// wrapped foreign transport), bound to the VU's localIPs address if any.
func (t *Transport) Dialer() *net.Dialer { return t.dialer }

// BytesCounted reports whether the transport counts wire bytes.
func (t *Transport) BytesCounted() bool { return t.opts != nil }

// takeBytes returns the bytes written and read since the last call.
func (t *Transport) takeBytes() (sent, received int64) {
	return t.sent.Swap(0), t.received.Swap(0)
}

// dialContext connects to a "host:port" for a request: it refuses blocked
// host names, applies the hosts option, resolves a host name with the dns
// option's resolver (a hosts entry mapping to an address wins over DNS)
// and counts the connection's bytes.
func (t *Transport) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if len(t.blocked) > 0 {
		if err := t.checkHostname(addr); err != nil {
			return nil, err
		}
	}
	addr = t.resolveHost(addr)
	if t.resolver != nil {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && host != "" {
			if _, perr := netip.ParseAddr(host); perr != nil {
				ip, err := t.resolver.resolve(ctx, host)
				if err != nil {
					return nil, &net.OpError{Op: "dial", Net: network, Err: err}
				}
				addr = net.JoinHostPort(ip.String(), port)
			}
		}
	}
	c, err := t.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, t: t}, nil
}

// bindVU makes the transport's connections leave from the localIPs
// address of VU id (port 0: the system picks one); without localIPs it does
// nothing. Call it before the first connection.
func (t *Transport) bindVU(id uint64) {
	if t.opts == nil || t.opts.LocalIPs.Len() == 0 {
		return
	}
	d := *t.dialer
	d.LocalAddr = &net.TCPAddr{IP: t.opts.LocalIPs.ForVU(id).AsSlice()}
	t.dialer = &d
}

// dialTLS is net/http's DialTLSContext when some tlsAuth entry has
// domains: it dials as dialContext does and returns the TLS client
// connection, not yet handshaken (net/http handshakes it, tracing the
// handshake as for its own), whose client certificate is the one for the
// server name — which tls.Config.GetClientCertificate is not told.
func (t *Transport) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := t.dialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	// The base transport's configuration, with the protocols (h2) net/http
	// added to it before its first dial.
	cfg := t.base.Load().TLSClientConfig.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cert := t.certs.forHost(host)
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return cert, nil
	}
	return tls.Client(conn, cfg), nil
}

// resolveHost applies the hosts option to a "host:port" address: an entry
// for "host:port" wins over one for "host", which wins over "*.domain"
// wildcards. A target without a port keeps the original port.
func (t *Transport) resolveHost(addr string) string {
	if len(t.hosts) == 0 {
		return addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	host = strings.ToLower(host)
	target, ok := t.hosts[host+":"+port]
	if !ok {
		target, ok = t.hosts[host]
	}
	for h := host; !ok; {
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
		target, ok = t.hosts["*."+h]
	}
	if !ok {
		return addr
	}
	if _, _, err := net.SplitHostPort(target); err == nil {
		return target
	}
	return net.JoinHostPort(strings.Trim(target, "[]"), port)
}

// redactURL masks the user info of a URL string that may not parse, for
// error messages: "http://user:pass@host/" becomes "http://****@host/".
func redactURL(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	rest := raw[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return raw
	}
	return raw[:i+3] + "****" + rest[at:]
}

// countingConn counts a connection's bytes into its Transport.
type countingConn struct {
	net.Conn
	t *Transport
}

// Read reads from the connection, counting the bytes into its Transport.
func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.t.received.Add(int64(n))
	}
	return n, err
}

// Write writes to the connection, counting the bytes into its Transport.
func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.t.sent.Add(int64(n))
	}
	return n, err
}

func tlsVersion(s string) (uint16, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case TLS10:
		return tls.VersionTLS10, nil
	case TLS11:
		return tls.VersionTLS11, nil
	case TLS12:
		return tls.VersionTLS12, nil
	case TLS13:
		return tls.VersionTLS13, nil
	case SSL30:
		return 0, fmt.Errorf("%q is not supported (Go's TLS stack has no SSL 3.0); use %q, %q, %q or %q", s, TLS10, TLS11, TLS12, TLS13)
	}
	return 0, fmt.Errorf("unknown TLS version %q: allowed are %q, %q, %q and %q", s, TLS10, TLS11, TLS12, TLS13)
}

// TLS version names, as k6 exports them (SSL_3_0, TLS_1_0, ...) and reports
// them in the tls_version tag.
const (
	SSL30 = "ssl3.0"
	TLS10 = "tls1.0"
	TLS11 = "tls1.1"
	TLS12 = "tls1.2"
	TLS13 = "tls1.3"
)

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return TLS10
	case tls.VersionTLS11:
		return TLS11
	case tls.VersionTLS12:
		return TLS12
	case tls.VersionTLS13:
		return TLS13
	}
	return ""
}

func tlsCipherSuiteName(id uint16) string { return tls.CipherSuiteName(id) }

// blockedError is a request refused by the blockHostnames or blacklistIPs
// option, with k6's code and message.
type blockedError struct {
	code int
	msg  string
}

func (e *blockedError) Error() string { return e.msg }

// checkHostname refuses a "host:port" whose host matches blockHostnames.
func (t *Transport) checkHostname(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if p, ok := config.MatchHostname(t.blocked, host); ok {
		return &blockedError{code: CodeBlockedHostname, msg: fmt.Sprintf("hostname (%s) is in a blocked pattern (%s)", host, p)}
	}
	return nil
}

// checkIP refuses a dialled "ip:port" inside one of ranges.
func checkIP(ranges []*net.IPNet, address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	ip := net.ParseIP(host)
	for _, n := range ranges {
		if ip != nil && n.Contains(ip) {
			return &blockedError{code: CodeBlacklistedIP, msg: fmt.Sprintf("IP (%s) is in a blacklisted range (%s)", ip, n)}
		}
	}
	return nil
}
