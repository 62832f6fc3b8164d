//go:build !unix

package http

import (
	"io"
	"net"
)

// connAlive cannot look at an idle connection on this platform.
func connAlive(net.Conn) bool { return true }

// readFirst cannot wait without reading on this platform: the read
// buffer is taken before the response arrives.
func (hc *h1Conn) readFirst() error { return nil }

// readFD is not used on this platform (fd stays -1).
func (hc *h1Conn) readFD([]byte) (int, error) { return 0, io.EOF }
