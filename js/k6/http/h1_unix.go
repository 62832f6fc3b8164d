//go:build unix

package http

import (
	"net"
	"syscall"
)

// connAlive reports whether an idle connection still looks open: nothing
// to read, neither data nor the peer's FIN or reset. One non-blocking
// MSG_PEEK; it is checked before reusing a connection for a request that
// could not be sent again.
func connAlive(c net.Conn) bool {
	if cc, ok := c.(*countingConn); ok {
		c = cc.Conn
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
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
