//go:build unix

package http

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// rawConn is c's syscall.RawConn; nil and no error when c has none.
func rawConn(c net.Conn) (syscall.RawConn, error) {
	if cc, ok := c.(*countingConn); ok {
		c = cc.Conn
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, nil
	}
	return sc.SyscallConn()
}

// testHookH1Wait, set by tests, sees a connection about to wait for its
// response.
var testHookH1Wait func(*h1Conn)

// errAgain is readFD's "nothing to read yet".
var errAgain = errors.New("nothing to read yet")

// readFirst waits for the response without holding a read buffer, then
// reads its first bytes into one: the descriptor is read directly when
// the runtime's poller says it is readable (a non-blocking read that finds
// nothing gives the buffer back and waits), so this costs the same system
// calls as a plain read. It returns that read's error. Without a reader
// afterwards (the wait ended at the request's deadline, or hc's connection
// has no descriptor), the caller reads as usual.
func (hc *h1Conn) readFirst() error {
	if hc.raw == nil {
		raw, err := rawConn(hc.conn)
		if raw == nil || err != nil {
			return nil
		}
		hc.raw = raw
		hc.tryRead = hc.tryFirstRead // one closure per connection, not per request
	}
	hc.firstErr = nil
	_ = hc.raw.Read(hc.tryRead)
	err := hc.firstErr
	hc.firstErr = nil
	return err
}

// tryFirstRead is readFirst's callback for the runtime's poller: false
// (wait for readability) when there is nothing to read yet.
func (hc *h1Conn) tryFirstRead(fd uintptr) bool {
	hc.takeReader()
	hc.fd = int(fd)
	_, err := hc.br.Peek(1)
	hc.fd = -1
	if err == errAgain {
		hc.releaseReader()
		if testHookH1Wait != nil {
			testHookH1Wait(hc)
		}
		return false
	}
	hc.firstErr = err
	return true
}

// readFD is Read on the descriptor itself (non-blocking), with the
// byte count and error wrapping of a read through net.Conn.
func (hc *h1Conn) readFD(p []byte) (int, error) {
	n, err := syscall.Read(hc.fd, p)
	for err == syscall.EINTR {
		n, err = syscall.Read(hc.fd, p)
	}
	switch {
	case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
		return 0, errAgain
	case err != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: hc.conn.LocalAddr(), Addr: hc.conn.RemoteAddr(), Err: os.NewSyscallError("read", err)}
	case n == 0:
		return 0, io.EOF
	}
	hc.limit -= int64(n)
	if cc, ok := hc.conn.(*countingConn); ok {
		cc.t.received.Add(int64(n))
	}
	return n, nil
}

// connAlive reports whether an idle connection still looks open: nothing
// to read, neither data nor the peer's FIN or reset. One non-blocking
// MSG_PEEK; it is checked before reusing a connection for a request that
// could not be sent again.
func connAlive(c net.Conn) bool {
	raw, err := rawConn(c)
	if err != nil {
		return false
	}
	if raw == nil {
		return true
	}
	alive := true
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK:
		case rerr != nil, n == 0: // error or EOF
			alive = false
		default: // unexpected data from an idle server
			alive = false
		}
		return true
	})
	return err == nil && alive
}
