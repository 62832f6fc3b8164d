package output

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// fileWriter is the buffered (and, for .gz names, gzipped) destination shared
// by the file outputs. A goroutine flushes it every interval so that `tail -f`
// shows progress; close flushes and closes everything. Writes and flushes
// hold mu, so the flusher never interleaves with a batch.
type fileWriter struct {
	mu     sync.Mutex
	name   string
	file   *os.File // nil when writing to stdout
	gz     *gzip.Writer
	w      *bufio.Writer
	err    error
	stop   chan struct{}
	done   chan struct{}
	every  time.Duration
	closed bool
}

// openFileWriter creates (truncating) name, or uses stdout for "-" or "".
func openFileWriter(name string, stdout io.Writer, every time.Duration) (*fileWriter, error) {
	fw := &fileWriter{name: name, every: every, stop: make(chan struct{}), done: make(chan struct{})}
	var dst io.Writer
	if name == "" || name == "-" {
		if stdout == nil {
			stdout = os.Stdout
		}
		dst = stdout
	} else {
		f, err := os.Create(name)
		if err != nil {
			return nil, fmt.Errorf("creating %s: %w", name, err)
		}
		fw.file, dst = f, f
		if strings.HasSuffix(name, ".gz") {
			fw.gz = gzip.NewWriter(f)
			dst = fw.gz
		}
	}
	fw.w = bufio.NewWriterSize(dst, 64<<10)
	if every > 0 {
		go fw.flushLoop()
	} else {
		close(fw.done)
	}
	return fw, nil
}

func (fw *fileWriter) flushLoop() {
	defer close(fw.done)
	t := time.NewTicker(fw.every)
	defer t.Stop()
	for {
		select {
		case <-fw.stop:
			return
		case <-t.C:
			fw.mu.Lock()
			if fw.err == nil {
				fw.err = fw.w.Flush()
			}
			fw.mu.Unlock()
		}
	}
}

// write runs fn with the buffered writer under the lock; after the first
// error nothing more is written and close reports it.
func (fw *fileWriter) write(fn func(w *bufio.Writer) error) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.err == nil {
		fw.err = fn(fw.w)
	}
}

// close stops the flusher, flushes, finishes the gzip stream and closes the file.
func (fw *fileWriter) close() error {
	select {
	case <-fw.stop:
	default:
		close(fw.stop)
	}
	<-fw.done
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.closed {
		return nil
	}
	fw.closed = true
	err := fw.err
	if ferr := fw.w.Flush(); err == nil {
		err = ferr
	}
	if fw.gz != nil {
		if gerr := fw.gz.Close(); err == nil {
			err = gerr
		}
	}
	if fw.file != nil {
		if cerr := fw.file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", fw.name, err)
	}
	return nil
}
