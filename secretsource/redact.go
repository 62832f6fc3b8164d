package secretsource

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"
)

// Redacted replaces a secret value in the logs, as in k6.
const Redacted = "***SECRET_REDACTED***"

// Redactor is the set of secret values handed out to scripts; it replaces
// them by Redacted in text. It is safe for concurrent use; Redact costs one
// atomic load while no value is known.
type Redactor struct {
	mu       sync.Mutex
	values   map[string]struct{}
	replacer atomic.Pointer[strings.Replacer] // nil until a value is known
}

// NewRedactor returns an empty Redactor.
func NewRedactor() *Redactor { return &Redactor{values: map[string]struct{}{}} }

// Add makes v known. The empty string is never redacted (it would match
// everywhere).
func (r *Redactor) Add(v string) {
	if v == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.values[v]; ok {
		return
	}
	r.values[v] = struct{}{}
	// Longest first: a secret that contains another is replaced whole.
	vs := make([]string, 0, len(r.values))
	for k := range r.values {
		vs = append(vs, k)
	}
	sort.Slice(vs, func(i, j int) bool {
		if len(vs[i]) != len(vs[j]) {
			return len(vs[i]) > len(vs[j])
		}
		return vs[i] < vs[j]
	})
	pairs := make([]string, 0, 2*len(vs))
	for _, k := range vs {
		pairs = append(pairs, k, Redacted)
	}
	r.replacer.Store(strings.NewReplacer(pairs...))
}

// Active reports whether any value is known.
func (r *Redactor) Active() bool { return r != nil && r.replacer.Load() != nil }

// Redact returns s with every known value replaced by Redacted.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	rep := r.replacer.Load()
	if rep == nil || s == "" {
		return s
	}
	return rep.Replace(s)
}

// Hook returns a logrus hook that redacts the known values from a log
// entry's message and from its string and error fields, at every level.
func (r *Redactor) Hook() logrus.Hook { return redactHook{r} }

type redactHook struct{ r *Redactor }

func (redactHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h redactHook) Fire(e *logrus.Entry) error {
	rep := h.r.replacer.Load()
	if rep == nil {
		return nil
	}
	e.Message = rep.Replace(e.Message)
	var data logrus.Fields // copied on the first change: the map may be shared
	for k, v := range e.Data {
		var s, red string
		switch x := v.(type) {
		case string:
			s = x
		case error:
			s = x.Error()
		default:
			continue
		}
		if red = rep.Replace(s); red == s {
			continue
		}
		if data == nil {
			data = make(logrus.Fields, len(e.Data))
			for k2, v2 := range e.Data {
				data[k2] = v2
			}
		}
		data[k] = red
	}
	if data != nil {
		e.Data = data
	}
	return nil
}
