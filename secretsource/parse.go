package secretsource

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stampede-load/stampede/config"
)

// FlagName is the flag the errors of Parse and Build name.
const FlagName = "--secret-source"

// Spec is one parsed --secret-source value.
type Spec struct {
	Type     string // "file" or "mock"
	Name     string // name=NAME, "" when not given
	Default  bool   // the bare word default
	Filename string // file: the path as written
	// Secrets are a mock source's KEY=VALUE items.
	Secrets map[string]string
	value   string // the flag value, for errors
}

// Parse parses one --secret-source value, as k6 writes it:
//
//	file=PATH
//	file=filename=PATH,name=NAME,default
//	mock=KEY=VALUE,KEY2=VALUE2
//	mock=name=NAME,default,KEY=VALUE
//
// Items are separated by commas; name=NAME names the source (for
// secrets.source(NAME)) and default makes it the one secrets.get() reads.
// Errors are *config.OptionError (exit code 104) and never show a secret
// value: a mock source's values are shown as ***.
func Parse(value string) (Spec, error) {
	typ, cfg, ok := strings.Cut(value, "=")
	if !ok || typ == "" {
		shown := ""
		if value == "file" || value == "mock" {
			shown = value
		}
		return Spec{}, flagErr(shown, "expected TYPE=CONFIG, e.g. file=secrets.txt, file=name=prod,filename=secrets.txt or mock=key=value (types: file, mock)")
	}
	s := Spec{Type: typ, value: value}
	switch typ {
	case "file":
		return s, s.parseFile(cfg)
	case "mock":
		return s, s.parseMock(cfg)
	}
	return Spec{}, flagErr(mask(value), fmt.Sprintf("unknown secret source type %q: the built-in ones are file and mock", typ))
}

func (s *Spec) parseFile(cfg string) error {
	for _, item := range strings.Split(cfg, ",") {
		k, v, hasEq := strings.Cut(item, "=")
		switch {
		case item == "":
		case item == "default":
			s.Default = true
		case !hasEq || k == "filename":
			if !hasEq {
				v = item
			}
			if s.Filename != "" {
				return s.err("the file secret source takes one file")
			}
			if v == "" {
				return s.err("filename= needs a path")
			}
			s.Filename = v
		case k == "name":
			if err := s.setName(v); err != nil {
				return err
			}
		default:
			return s.err(fmt.Sprintf("unknown option %q of the file secret source: allowed are filename=PATH (or just PATH), name=NAME and default", k))
		}
	}
	if s.Filename == "" {
		return s.err("the file secret source needs a file: file=PATH or file=filename=PATH")
	}
	return nil
}

func (s *Spec) parseMock(cfg string) error {
	s.Secrets = map[string]string{}
	for i, item := range strings.Split(cfg, ",") {
		k, v, hasEq := strings.Cut(item, "=")
		switch {
		case item == "":
		case item == "default":
			s.Default = true
		case !hasEq:
			// Not echoed: it may be the tail of a value that held a comma.
			return s.err(fmt.Sprintf("item %d is not KEY=VALUE (values cannot contain commas)", i+1))
		case k == "":
			return s.err(fmt.Sprintf("item %d has an empty key", i+1))
		case k == "name":
			if err := s.setName(v); err != nil {
				return err
			}
		default:
			s.Secrets[k] = v // a later item with the same key wins
		}
	}
	return nil
}

func (s *Spec) setName(v string) error {
	if v == "" {
		return s.err("name= needs a value")
	}
	if s.Name != "" {
		return s.err("name= is given twice")
	}
	s.Name = v
	return nil
}

// shown is the flag value as errors show it.
func (s *Spec) shown() string {
	if s.Type == "file" {
		return s.value
	}
	return mask(s.value)
}

func (s *Spec) err(msg string) error { return flagErr(s.shown(), msg) }

// mask hides the values of a flag value's items: TYPE=a=***,b=***,default.
// Bare items other than default are hidden whole.
func mask(value string) string {
	typ, cfg, _ := strings.Cut(value, "=")
	items := strings.Split(cfg, ",")
	for i, item := range items {
		k, _, hasEq := strings.Cut(item, "=")
		switch {
		case item == "" || item == "default":
		case !hasEq:
			items[i] = "***"
		case k == "name":
		default:
			items[i] = k + "=***"
		}
	}
	return typ + "=" + strings.Join(items, ",")
}

func flagErr(shown, msg string) error {
	e := &config.OptionError{Option: FlagName, Allowed: msg}
	if shown != "" {
		e.Value = fmt.Sprintf("%q", shown)
	}
	return e
}

// Build parses every --secret-source value and returns the run's Manager;
// file paths are relative to cwd. Retrieved values are added to redactor
// (a new one when nil). With no values it returns an empty Manager.
func Build(values []string, cwd string, redactor *Redactor) (*Manager, error) {
	m := NewManager(redactor)
	for _, value := range values {
		s, err := Parse(value)
		if err != nil {
			return nil, err
		}
		var src Source
		switch s.Type {
		case "file":
			secrets, err := readFile(s.Filename, cwd)
			if err != nil {
				return nil, s.err(err.Error())
			}
			src = mapSource(secrets)
		case "mock":
			src = mapSource(s.Secrets)
		}
		if err := m.AddSource(s.Type, s.Name, s.Default, src); err != nil {
			return nil, s.err(err.Error())
		}
	}
	return m, nil
}

// readFile reads a file of KEY=VALUE lines; blank lines are skipped. Its
// errors show line numbers, not lines.
func readFile(name, cwd string) (map[string]string, error) {
	p := name
	if !filepath.IsAbs(p) && cwd != "" {
		p = filepath.Join(cwd, p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read the secrets file %q: %w", name, err)
	}
	out := map[string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d of the secrets file %q is not KEY=VALUE", i+1, name)
		}
		if k == "" {
			return nil, fmt.Errorf("line %d of the secrets file %q has an empty key", i+1, name)
		}
		out[k] = v
	}
	return out, nil
}

// mapSource is the file and mock sources: secrets held in memory, read-only.
type mapSource map[string]string

func (m mapSource) Get(key string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}
