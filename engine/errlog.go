package engine

import (
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Rate limit of iteration error logs: a burst of errLogBurst, then
// errLogPerSecond per second. Errors beyond it are counted and reported.
const (
	errLogBurst     = 10
	errLogPerSecond = 2
)

// errorLogger logs iteration exceptions (with the JS stack the runner puts in
// the error's message) k6 style, with a token-bucket rate limit so that a
// failing script cannot flood the log. Safe for concurrent use.
type errorLogger struct {
	mu         sync.Mutex
	tokens     float64
	last       time.Time
	suppressed int64
}

func newErrorLogger() *errorLogger { return &errorLogger{tokens: errLogBurst} }

func (l *errorLogger) log(logger logrus.FieldLogger, err error) {
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() {
		l.tokens += now.Sub(l.last).Seconds() * errLogPerSecond
		if l.tokens > errLogBurst {
			l.tokens = errLogBurst
		}
	}
	l.last = now
	if l.tokens < 1 {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	l.tokens--
	n := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	entry := logger.WithField("source", "stacktrace")
	if n > 0 {
		entry = entry.WithField("suppressed", n)
	}
	entry.Error(err.Error())
}

// flush reports how many errors were not logged since the last one.
func (l *errorLogger) flush(logger logrus.FieldLogger) {
	l.mu.Lock()
	n := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	if n > 0 {
		logger.Warnf("%d more iteration errors were not logged (rate limit)", n)
	}
}
