package http

import (
	"strconv"
	"time"

	"github.com/stampede-load/stampede/metrics"
)

// sysTags is the set of system tags a request may add, as bits.
type sysTags uint16

const (
	sysProto sysTags = 1 << iota
	sysStatus
	sysMethod
	sysURL
	sysName
	sysError
	sysErrorCode
	sysTLSVersion
	sysExpectedResponse
	sysIP
)

// defaultSysTags are k6's default system tags that requests set themselves
// (group and scenario come with the VU's tags).
const defaultSysTags = sysProto | sysStatus | sysMethod | sysURL | sysName | sysError |
	sysErrorCode | sysTLSVersion | sysExpectedResponse

var sysTagNames = map[string]sysTags{
	"proto": sysProto, "status": sysStatus, "method": sysMethod, "url": sysURL,
	"name": sysName, "error": sysError, "error_code": sysErrorCode,
	"tls_version": sysTLSVersion, "expected_response": sysExpectedResponse, "ip": sysIP,
}

// systemTagsFrom reads State.SystemTags; nil means k6's defaults.
func systemTagsFrom(m map[string]bool) sysTags {
	if m == nil {
		return defaultSysTags
	}
	var s sysTags
	for name, on := range m {
		if on {
			s |= sysTagNames[name]
		}
	}
	return s
}

// tagKey identifies a request's tag set, for the per-VU cache of tag sets:
// a loop hitting the same URL with the same outcome shares one *TagSet.
type tagKey struct {
	base                                   *metrics.TagSet
	sys                                    sysTags
	method, url, name, proto, tlsv, errMsg string
	ip                                     string
	status, code                           int
	expected                               int8
	// The request's own tags when it has at most two, sorted by key: a
	// request with a few fixed tags (a script's {tags: {type: "api"}},
	// k6/x/queue's region and mode) reuses its tag set like any other.
	custom [2]tagPair
}

type tagPair struct{ k, v string }

// statusStrings holds "0" and "100".."599" so tagging a status allocates nothing.
var statusStrings = func() []string {
	s := make([]string, 600)
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func itoa(n int) string {
	if n >= 0 && n < len(statusStrings) {
		return statusStrings[n]
	}
	return strconv.Itoa(n)
}

// record emits one hop's samples in one append to the VU's buffer.
// challenge marks a digest-auth challenge (401), which k6 counts as expected.
func (c *Client) record(p *prepared, h *hop, challenge bool) {
	sent, received := c.t.takeBytes()
	st := c.state
	if st.Samples == nil || c.bm == nil {
		return
	}
	status := 0
	if h.resp != nil {
		status = h.resp.StatusCode
	}
	var expected int8
	if p.callback != nil {
		expected = 2
		if h.err == nil && (challenge || p.callback(status)) {
			expected = 1
		}
	}
	c.emit(c.tagSet(p, h, status, expected), &h.timings, expected, sent, received)
}

// emit appends one hop's samples to the VU's buffer (a function of its own
// so that its sample array is not on the stack while the response is read:
// see Client.run).
//
//go:noinline
func (c *Client) emit(tags *metrics.TagSet, tm *Timings, expected int8, sent, received int64) {
	st := c.state
	var meta map[string]string
	if st.Tags != nil {
		meta = st.Tags.Metadata()
	}
	now := time.Now()
	bm := c.bm
	var buf [12]metrics.Sample
	s := func(i int, m *metrics.Metric, v float64) {
		buf[i] = metrics.Sample{Metric: m, Tags: tags, Metadata: meta, Time: now, Value: v}
	}
	s(0, bm.HTTPReqs, 1)
	s(1, bm.HTTPReqDuration, ms(tm.Duration))
	s(2, bm.HTTPReqBlocked, ms(tm.Blocked))
	s(3, bm.HTTPReqConnecting, ms(tm.Connecting))
	s(4, bm.HTTPReqTLSHandshaking, ms(tm.TLSHandshaking))
	s(5, bm.HTTPReqSending, ms(tm.Sending))
	s(6, bm.HTTPReqWaiting, ms(tm.Waiting))
	s(7, bm.HTTPReqReceiving, ms(tm.Receiving))
	n := 8
	if expected != 0 {
		v := 0.0
		if expected == 2 {
			v = 1
		}
		s(n, bm.HTTPReqFailed, v)
		n++
	}
	if c.t.BytesCounted() {
		s(n, bm.DataSent, float64(sent))
		s(n+1, bm.DataReceived, float64(received))
		n += 2
	}
	st.Samples.Add(buf[:n]...)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// tagSet returns the hop's tags: the VU's tags, the enabled system tags and
// the request's tags (which win).
func (c *Client) tagSet(p *prepared, h *hop, status int, expected int8) *metrics.TagSet {
	var base *metrics.TagSet
	if c.state.Tags != nil {
		base = c.state.Tags.Tags()
	}
	sys := c.sys
	k := tagKey{base: base, sys: sys, status: -1, expected: expected}
	if sys&sysMethod != 0 {
		k.method = h.method
	}
	if sys&sysURL != 0 {
		k.url = h.urlStr
	}
	if sys&sysName != 0 {
		k.name = p.name
		if k.name == "" {
			k.name = h.urlStr
		}
	}
	if h.resp != nil {
		if sys&sysProto != 0 {
			k.proto = h.resp.Proto
		}
		if h.resp.TLS != nil && sys&sysTLSVersion != 0 {
			k.tlsv = tlsVersionName(h.resp.TLS.Version)
		}
	}
	if sys&sysStatus != 0 {
		k.status = status
	}
	if h.err != nil {
		if sys&sysError != 0 {
			k.errMsg = h.err.msg
		}
		if sys&sysErrorCode != 0 {
			k.code = h.err.Code
		}
	} else if status >= 400 && status < 600 && sys&sysErrorCode != 0 {
		k.code = 1000 + status
	}
	if sys&sysExpectedResponse == 0 {
		k.expected = 0
	}
	if sys&sysIP != 0 && h.remote != nil {
		k.ip, _ = splitAddr(h.remote)
	}

	cacheable := len(p.tags) <= len(k.custom)
	if cacheable && len(p.tags) > 0 {
		i := 0
		for key, v := range p.tags {
			k.custom[i] = tagPair{key, v}
			i++
		}
		if i == 2 && k.custom[1].k < k.custom[0].k {
			k.custom[0], k.custom[1] = k.custom[1], k.custom[0]
		}
	}
	if cacheable {
		if ts, ok := sharedTags.get(k); ok {
			return ts
		}
	}
	ts := c.newTagSet(p, base, &k)
	if cacheable {
		sharedTags.put(k, ts)
	}
	return ts
}

// sharedTags caches the tag sets of requests: the VUs of a scenario share
// their base tags, and their requests to the same endpoint with the same
// outcome get the same tags, so 10,000 VUs share a few dozen sets instead
// of each keeping its own cache of them. The key holds everything a set is
// made from.
var sharedTags = sharedCache[tagKey, *metrics.TagSet]{max: 4096}

// newTagSet builds the tag set that k describes (a function of its own so
// that its array is not on the stack of every request: see Client.run).
//
//go:noinline
func (c *Client) newTagSet(p *prepared, base *metrics.TagSet, k *tagKey) *metrics.TagSet {
	sys := c.sys
	// On the heap: a cache miss is rare, and an array here would sit on
	// the stack under every request's response handling.
	tags := make([]metrics.Tag, 0, 12+len(p.tags))
	add := func(key, v string) { tags = append(tags, metrics.Tag{Key: key, Value: v}) }
	if k.proto != "" {
		add("proto", k.proto)
	}
	if k.status >= 0 {
		add("status", itoa(k.status))
	}
	if k.method != "" {
		add("method", k.method)
	}
	if sys&sysURL != 0 {
		add("url", k.url)
	}
	if sys&sysName != 0 {
		add("name", k.name)
	}
	if k.errMsg != "" {
		add("error", k.errMsg)
	}
	if k.code != 0 {
		add("error_code", itoa(k.code))
	}
	if k.tlsv != "" {
		add("tls_version", k.tlsv)
	}
	switch k.expected {
	case 1:
		add("expected_response", "true")
	case 2:
		add("expected_response", "false")
	}
	if k.ip != "" {
		add("ip", k.ip)
	}
	for key, v := range p.tags {
		add(key, v)
	}
	return base.WithTags(tags...)
}
