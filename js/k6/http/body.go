package http

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// scratchPool holds buffers for bodies of unknown length; the kept body is
// copied out at its exact size, so the scratch buffer is reused.
var scratchPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledScratch keeps the pool from holding on to huge buffers.
const maxPooledScratch = 1 << 20

// readBody reads a response body off the wire, decoding its Content-Encoding
// when keep is true. With keep false it drains the body (so the connection
// can be reused) and returns nil.
func readBody(body io.Reader, contentLength int64, encoding string, keep bool) ([]byte, error) {
	if !keep {
		_, err := io.Copy(io.Discard, body)
		return nil, err
	}
	encoding = strings.TrimSpace(encoding)
	if encoding == "" || strings.EqualFold(encoding, "identity") {
		if contentLength == 0 {
			_, err := io.Copy(io.Discard, body) // see EOF so the connection is reused
			return []byte{}, err
		}
		if contentLength > 0 && contentLength <= 64<<20 {
			b := make([]byte, contentLength)
			n, err := io.ReadFull(body, b)
			if err == nil {
				// The body may go on past Content-Length only if the
				// server lied; reading on sees EOF and frees the connection.
				_, err = io.Copy(io.Discard, body)
			}
			return b[:n], err
		}
		return readAll(body)
	}
	r, closeFn, err := decoder(body, encoding)
	if err != nil {
		_, _ = io.Copy(io.Discard, body)
		return nil, &decompressionError{err}
	}
	b, err := readAll(r)
	closeFn()
	if err != nil {
		_, _ = io.Copy(io.Discard, body)
		return b, &decompressionError{err}
	}
	return b, nil
}

func readAll(r io.Reader) ([]byte, error) {
	buf := scratchPool.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(r)
	out := make([]byte, buf.Len())
	copy(out, buf.Bytes())
	if buf.Cap() <= maxPooledScratch {
		scratchPool.Put(buf)
	}
	return out, err
}

var (
	gzipPool = sync.Pool{}
	zstdPool = sync.Pool{}
)

// decoder undoes a Content-Encoding list ("gzip", "br, gzip"...); codings
// are applied in the listed order, so they are undone from the last.
func decoder(body io.Reader, encoding string) (io.Reader, func(), error) {
	r := body
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	codings := strings.Split(encoding, ",")
	for i := len(codings) - 1; i >= 0; i-- {
		switch c := strings.ToLower(strings.TrimSpace(codings[i])); c {
		case "", "identity":
		case "gzip", "x-gzip":
			var zr *gzip.Reader
			if v := gzipPool.Get(); v != nil {
				zr = v.(*gzip.Reader)
				if err := zr.Reset(r); err != nil {
					closeAll()
					return nil, nil, err
				}
			} else {
				var err error
				if zr, err = gzip.NewReader(r); err != nil {
					closeAll()
					return nil, nil, err
				}
			}
			closers = append(closers, func() { gzipPool.Put(zr) })
			r = zr
		case "deflate":
			// HTTP's deflate is zlib; some servers send raw DEFLATE.
			br := bufferedPeeker(r)
			hdr, _ := br.Peek(2)
			if len(hdr) == 2 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 && hdr[0]&0x0f == 8 {
				zr, err := zlib.NewReader(br)
				if err != nil {
					closeAll()
					return nil, nil, err
				}
				closers = append(closers, func() { _ = zr.Close() })
				r = zr
			} else {
				fr := flate.NewReader(br)
				closers = append(closers, func() { _ = fr.Close() })
				r = fr
			}
		case "br":
			r = brotli.NewReader(r)
		case "zstd":
			var zr *zstd.Decoder
			if v := zstdPool.Get(); v != nil {
				zr = v.(*zstd.Decoder)
				if err := zr.Reset(r); err != nil {
					closeAll()
					return nil, nil, err
				}
			} else {
				var err error
				if zr, err = zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true)); err != nil {
					closeAll()
					return nil, nil, err
				}
			}
			closers = append(closers, func() { _ = zr.Reset(nil); zstdPool.Put(zr) })
			r = zr
		default:
			closeAll()
			return nil, nil, fmt.Errorf("unsupported Content-Encoding %q", c)
		}
	}
	return r, closeAll, nil
}

type peeker interface {
	io.Reader
	Peek(n int) ([]byte, error)
}

type peekReader struct {
	r   io.Reader
	buf []byte
}

// Peek returns the next n bytes without consuming them.
func (p *peekReader) Peek(n int) ([]byte, error) {
	for len(p.buf) < n {
		tmp := make([]byte, n-len(p.buf))
		m, err := p.r.Read(tmp)
		p.buf = append(p.buf, tmp[:m]...)
		if err != nil {
			return p.buf, err
		}
	}
	return p.buf[:n], nil
}

// Read reads, counting what it read.
func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// ReadByte reads one byte.
func (p *peekReader) ReadByte() (byte, error) {
	var b [1]byte
	_, err := io.ReadFull(p, b[:])
	return b[0], err
}

func bufferedPeeker(r io.Reader) peeker { return &peekReader{r: r} }

// Compression names accepted by the compression param.
var compressionNames = []string{"gzip", "deflate", "br", "zstd"}

// compressBody applies the codings of a compression param in order and
// returns the body and the Content-Encoding value.
func compressBody(body []byte, algos string) ([]byte, string, error) {
	codings := strings.Split(algos, ",")
	names := make([]string, 0, len(codings))
	for _, c := range codings {
		c = strings.ToLower(strings.TrimSpace(c))
		var buf bytes.Buffer
		var w io.WriteCloser
		switch c {
		case "gzip":
			w = gzip.NewWriter(&buf)
		case "deflate":
			w, _ = zlib.NewWriterLevel(&buf, zlib.DefaultCompression)
		case "br":
			w = brotli.NewWriter(&buf)
		case "zstd":
			zw, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
			if err != nil {
				return nil, "", err
			}
			w = zw
		default:
			return nil, "", fmt.Errorf("unknown compression algorithm %q: allowed are %s (or a comma-separated list of them)", c, strings.Join(compressionNames, ", "))
		}
		if _, err := w.Write(body); err != nil {
			return nil, "", err
		}
		if err := w.Close(); err != nil {
			return nil, "", err
		}
		body = buf.Bytes()
		names = append(names, c)
	}
	if len(names) == 0 {
		return nil, "", errors.New("empty compression list")
	}
	return body, strings.Join(names, ", "), nil
}
