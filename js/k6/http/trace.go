package http

import (
	"context"
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// tracer records one request hop's phases. Its ClientTrace hooks are bound
// once, so a pooled tracer costs no closures per request. Hooks may run on
// the transport's dial goroutine, hence the atomics: each mark holds
// nanoseconds since start plus one (0 = not seen).
type tracer struct {
	trace httptrace.ClientTrace
	start time.Time

	getConn, connectStart, connectDone, tlsStart, tlsDone atomic.Int64
	gotConn, wroteRequest, firstByte                      atomic.Int64
	reused                                                atomic.Bool

	// remote is set by GotConn, which runs on the goroutine that called
	// RoundTrip (HTTP/1 and HTTP/2 alike).
	remote net.Addr

	// parent and ctx: the context the tracer was last used under and the
	// trace context derived from it, kept for the next hop under parent.
	parent  context.Context
	ctx     context.Context
	noReuse bool

	// The hop's context: a cancelable child of ctx that the tracer keeps
	// from hop to hop until it is canceled (by a timeout or the parent), so
	// a request costs no context, timer or goroutine registration of its
	// own. timer enforces the request's deadline by canceling it with
	// errRequestTimeout; see arm and disarm.
	reqCtx    context.Context
	reqCancel context.CancelCauseFunc
	timer     *time.Timer
	dmu       sync.Mutex // guards deadline, armed and h1 against the timer's callback
	deadline  time.Time
	armed     bool
	// h1 is the connection the hop uses on the plain-HTTP/1.1 path, whose
	// reads and writes are ended when the request context is canceled.
	h1    *h1Conn
	h1ctx context.Context // the request context h1 was attached under

	// The request URI of the last URL sent, as URL.RequestURI gives it:
	// a VU mostly calls the same (cached, shared) *url.URL again.
	lastURL  *url.URL
	lastRURI string
}

// requestURI is u.RequestURI(), remembered for the same *url.URL (URLs
// of prepared requests are never modified).
func (t *tracer) requestURI(u *url.URL) string {
	if u != t.lastURL {
		t.lastURL, t.lastRURI = u, u.RequestURI()
	}
	return t.lastRURI
}

func newTracer() *tracer {
	t := &tracer{}
	t.trace = httptrace.ClientTrace{
		GetConn:              t.onGetConn,
		ConnectStart:         t.onConnectStart,
		ConnectDone:          t.onConnectDone,
		TLSHandshakeStart:    t.onTLSStart,
		TLSHandshakeDone:     t.onTLSDone,
		GotConn:              t.onGotConn,
		WroteRequest:         t.onWroteRequest,
		GotFirstResponseByte: t.onFirstByte,
	}
	return t
}

// arm returns the context for a hop that must end by deadline: the
// tracer's request context, canceled with errRequestTimeout once the
// deadline passes (unless disarm comes first). A context left canceled by
// an earlier hop (timeout, or the parent ending) is replaced.
func (t *tracer) arm(deadline time.Time) context.Context {
	if t.reqCtx == nil || t.reqCtx.Err() != nil {
		ctx, cancel := context.WithCancelCause(t.ctx)
		t.reqCtx, t.reqCancel = ctx, cancel
		context.AfterFunc(ctx, func() { t.interrupt(ctx) })
	}
	d := time.Until(deadline)
	t.dmu.Lock()
	t.deadline, t.armed = deadline, true
	t.dmu.Unlock()
	switch {
	case d <= 0:
		t.expire()
	case t.timer == nil:
		t.timer = time.AfterFunc(d, t.expire)
	default:
		t.timer.Reset(d)
	}
	return t.reqCtx
}

// expire is the deadline timer's callback. A callback of an earlier arming
// may run late, after the tracer was armed again for a later deadline: it
// only cancels once the current deadline has passed.
func (t *tracer) expire() {
	t.dmu.Lock()
	if t.armed && !time.Now().Before(t.deadline) {
		t.armed = false
		t.reqCancel(errRequestTimeout)
	}
	t.dmu.Unlock()
}

// interrupt runs once ctx, a request context of t, is canceled: it makes
// the pending read or write of the connection attached under ctx fail (a
// late run for an earlier context leaves a later hop alone).
func (t *tracer) interrupt(ctx context.Context) {
	t.dmu.Lock()
	if t.h1 != nil && t.h1ctx == ctx {
		_ = t.h1.conn.SetDeadline(aLongTimeAgo)
	}
	t.dmu.Unlock()
}

// attach makes hc the hop's connection, to be interrupted with the request
// context; false means the context is already canceled.
func (t *tracer) attach(hc *h1Conn) bool {
	t.dmu.Lock()
	t.h1, t.h1ctx = hc, t.reqCtx
	t.dmu.Unlock()
	return t.reqCtx.Err() == nil
}

// detach ends attach; true means the request context was canceled, so the
// connection may have been interrupted and must not be reused.
func (t *tracer) detach() bool {
	t.dmu.Lock()
	t.h1, t.h1ctx = nil, nil
	t.dmu.Unlock()
	return t.reqCtx.Err() != nil
}

// disarm ends the hop's deadline: after it the hop's context is canceled
// only if the timer fired before.
func (t *tracer) disarm() {
	t.dmu.Lock()
	t.armed = false
	t.dmu.Unlock()
	if t.timer != nil {
		t.timer.Stop()
	}
}

// release drops the request context of a tracer that will not be used
// again under the same parent, so the parent no longer holds it.
func (t *tracer) release() {
	if t.reqCancel != nil {
		t.reqCancel(context.Canceled)
		t.reqCtx, t.reqCancel = nil, nil
	}
}

// reset readies t for another hop and reports whether that is safe: a dial
// this hop started but did not end up using (or that failed half way) may
// still call the hooks later, so such a tracer is dropped instead.
func (t *tracer) reset() bool {
	if cs := t.connectStart.Load(); cs != 0 {
		if t.reused.Load() || t.gotConn.Load() == 0 || t.connectDone.Load() == 0 {
			return false
		}
		if t.tlsStart.Load() != 0 && t.tlsDone.Load() == 0 {
			return false
		}
	}
	t.getConn.Store(0)
	t.connectStart.Store(0)
	t.connectDone.Store(0)
	t.tlsStart.Store(0)
	t.tlsDone.Store(0)
	t.gotConn.Store(0)
	t.wroteRequest.Store(0)
	t.firstByte.Store(0)
	t.reused.Store(false)
	t.remote = nil
	return true
}

func (t *tracer) now() int64 { return int64(time.Since(t.start)) + 1 }

func (t *tracer) onGetConn(string) { t.getConn.CompareAndSwap(0, t.now()) }
func (t *tracer) onConnectStart(string, string) {
	t.connectStart.CompareAndSwap(0, t.now())
}
func (t *tracer) onConnectDone(_, _ string, err error) {
	if err == nil {
		t.connectDone.Store(t.now())
	}
}
func (t *tracer) onTLSStart() { t.tlsStart.CompareAndSwap(0, t.now()) }
func (t *tracer) onTLSDone(tls.ConnectionState, error) {
	t.tlsDone.Store(t.now())
}
func (t *tracer) onGotConn(info httptrace.GotConnInfo) {
	t.gotConn.Store(t.now())
	t.reused.Store(info.Reused)
	if info.Conn != nil {
		t.remote = info.Conn.RemoteAddr()
	}
}
func (t *tracer) onWroteRequest(httptrace.WroteRequestInfo) {
	t.wroteRequest.Store(t.now())
}
func (t *tracer) onFirstByte() { t.firstByte.CompareAndSwap(0, t.now()) }

// timings computes k6's phases; end is when the body was read (or the
// request failed), as an offset from start.
func (t *tracer) timings(end time.Duration) Timings {
	mark := func(v *atomic.Int64) (time.Duration, bool) {
		n := v.Load()
		if n == 0 {
			return 0, false
		}
		return time.Duration(n - 1), true
	}
	span := func(from, to time.Duration) time.Duration {
		if to > from {
			return to - from
		}
		return 0
	}
	getConn, okGet := mark(&t.getConn)
	if !okGet {
		getConn = 0
	}
	connStart, okCS := mark(&t.connectStart)
	connDone, okCD := mark(&t.connectDone)
	tlsStart, okTS := mark(&t.tlsStart)
	tlsDone, okTD := mark(&t.tlsDone)
	gotConn, okGot := mark(&t.gotConn)
	wrote, okW := mark(&t.wroteRequest)
	first, okF := mark(&t.firstByte)

	var tm Timings
	reused := t.reused.Load()
	switch {
	case okCS && !reused:
		tm.Blocked = span(getConn, connStart)
	case okGot:
		tm.Blocked = span(getConn, gotConn)
	default:
		tm.Blocked = span(getConn, end)
	}
	if okCS && !reused {
		if okCD {
			tm.Connecting = span(connStart, connDone)
		} else {
			tm.Connecting = span(connStart, end)
		}
	}
	if okTS && !reused {
		if okTD {
			tm.TLSHandshaking = span(tlsStart, tlsDone)
		} else {
			tm.TLSHandshaking = span(tlsStart, end)
		}
	}
	if okGot {
		switch {
		case okW:
			tm.Sending = span(gotConn, wrote)
		default:
			tm.Sending = span(gotConn, end)
		}
	}
	if okW {
		if okF {
			tm.Waiting = span(wrote, first)
		} else {
			tm.Waiting = span(wrote, end)
		}
	}
	if okF {
		tm.Receiving = span(first, end)
	}
	tm.Duration = tm.Sending + tm.Waiting + tm.Receiving
	return tm
}
