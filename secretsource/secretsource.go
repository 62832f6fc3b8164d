// Package secretsource holds the secret sources of a run (k6's
// --secret-source flag: the built-in file and mock sources), the Manager the
// k6/secrets module reads them through, and the redaction of every value it
// handed out from the logs.
//
// The sources are built once per process and shared by every VU: a VU keeps
// only a pointer to the Manager.
package secretsource

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Source gives secrets by key. Get may block (a source could fetch its
// secrets over the network); it is called off the VU's goroutine and must be
// safe for concurrent use. Its errors must not contain secret values.
type Source interface {
	Get(key string) (string, error)
}

// ErrNotFound is wrapped by Manager.Get when a source has no such key.
var ErrNotFound = errors.New("secret not found")

type entry struct {
	typ  string // "file" or "mock"
	name string // "" when the flag gave none
	src  Source
}

// describe names the source in an error: `secret source "prod" (file)`.
func (e *entry) describe(isDefault bool) string {
	switch {
	case e.name != "" && isDefault:
		return fmt.Sprintf("the default secret source %q (%s)", e.name, e.typ)
	case e.name != "":
		return fmt.Sprintf("secret source %q (%s)", e.name, e.typ)
	}
	return fmt.Sprintf("the default secret source (%s)", e.typ)
}

// Manager is a run's secret sources: one default (when there is a single
// source, or one marked default) and the named ones. Every value it returns
// is added to its Redactor. It is safe for concurrent use.
type Manager struct {
	all      []*entry
	def      *entry // the source marked default
	named    map[string]*entry
	redactor *Redactor
}

// NewManager returns a Manager of no sources whose retrieved values go to
// redactor (a new one when nil). Add sources with Build or AddSource.
func NewManager(redactor *Redactor) *Manager {
	if redactor == nil {
		redactor = NewRedactor()
	}
	return &Manager{named: map[string]*entry{}, redactor: redactor}
}

// Redactor returns the set of values the Manager handed out.
func (m *Manager) Redactor() *Redactor { return m.redactor }

// Len returns the number of sources.
func (m *Manager) Len() int { return len(m.all) }

// AddSource adds src of type typ (for messages) named name ("" for none);
// isDefault marks it as the default source. Use it before sharing the Manager.
func (m *Manager) AddSource(typ, name string, isDefault bool, src Source) error {
	e := &entry{typ: typ, name: name, src: src}
	if name != "" {
		if _, dup := m.named[name]; dup {
			return fmt.Errorf("two secret sources are named %q", name)
		}
	}
	if isDefault && m.def != nil {
		return errors.New("more than one secret source is marked default")
	}
	if name != "" {
		m.named[name] = e
	}
	if isDefault {
		m.def = e
	}
	m.all = append(m.all, e)
	return nil
}

// Get returns the secret key from the source named source, or from the
// default source when source is "". The value becomes known to the
// Redactor before it is returned. Errors name the key and the source,
// never a value.
func (m *Manager) Get(source, key string) (string, error) {
	e, isDefault, err := m.lookup(source)
	if err != nil {
		return "", err
	}
	v, err := e.src.Get(key)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("secret %q not found in %s", key, e.describe(isDefault))
		}
		return "", fmt.Errorf("secret %q from %s: %w", key, e.describe(isDefault), err)
	}
	m.redactor.Add(v)
	return v, nil
}

func (m *Manager) lookup(source string) (*entry, bool, error) {
	if m == nil || len(m.all) == 0 {
		return nil, false, errors.New("no secret source is configured: give one with --secret-source (e.g. --secret-source=file=secrets.txt)")
	}
	if source == "" {
		if e := m.defaultEntry(); e != nil {
			return e, true, nil
		}
		return nil, false, fmt.Errorf("there is no default secret source among the %d given: mark one with default (e.g. --secret-source=mock=default,key=value) or use secrets.source(name)", len(m.all))
	}
	if e, ok := m.named[source]; ok {
		return e, e == m.defaultEntry(), nil
	}
	if source == "default" {
		if e := m.defaultEntry(); e != nil {
			return e, true, nil
		}
	}
	names := make([]string, 0, len(m.named))
	for n := range m.named {
		names = append(names, fmt.Sprintf("%q", n))
	}
	sort.Strings(names)
	known := "none is named (add name=NAME to a --secret-source)"
	if len(names) > 0 {
		known = "the named ones are " + strings.Join(names, ", ")
	}
	return nil, false, fmt.Errorf("there is no secret source named %q: %s", source, known)
}

// defaultEntry is the source marked default, or the only source.
func (m *Manager) defaultEntry() *entry {
	if m.def != nil {
		return m.def
	}
	if len(m.all) == 1 {
		return m.all[0]
	}
	return nil
}
