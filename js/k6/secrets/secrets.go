// Package secrets is the `k6/secrets` module: its default export has
// get(key), which reads a secret from the default secret source, and
// source(name), whose get(key) reads one from the source given
// name=NAME on the command line (--secret-source, see package
// secretsource). Both return a Promise; a missing key, source or default
// source rejects it with an error naming them, never a value. Every value
// handed out is redacted from the logs from then on.
//
// The sources belong to the process: a VU's instance holds a pointer to
// them, nothing else. They work in the init context, setup, the
// iterations and teardown.
package secrets

import (
	"errors"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/secretsource"
)

func init() { modules.RegisterBuiltin("k6/secrets", New()) }

// RootModule is the k6/secrets module.
type RootModule struct{}

// New returns the k6/secrets module.
func New() *RootModule { return &RootModule{} }

// Secrets is one VU's k6/secrets instance.
type Secrets struct {
	vu      modules.VU
	secrets modules.Secrets
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Secrets)(nil)
)

// NewModuleInstance returns the VU's instance, bound to the run's sources.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	s := &Secrets{vu: vu}
	if env := vu.InitEnv(); env != nil && env.Secrets != nil {
		s.secrets = env.Secrets
	} else {
		s.secrets = (*secretsource.Manager)(nil) // every get() rejects: no source
	}
	return s
}

// Exports returns the default export {get, source}, as @types/k6 declares.
func (s *Secrets) Exports() modules.Exports {
	return modules.Exports{Default: map[string]any{
		"get":    s.get,
		"source": s.source,
	}}
}

func (s *Secrets) get(call sobek.FunctionCall) sobek.Value {
	return s.fetch("", "secrets.get", call.Argument(0))
}

// source returns {get(key)} reading from the source named name. An unknown
// name rejects get(), as a missing key does.
func (s *Secrets) source(call sobek.FunctionCall) sobek.Value {
	rt := s.vu.Runtime()
	nameV := call.Argument(0)
	if sobek.IsUndefined(nameV) || sobek.IsNull(nameV) {
		panic(rt.NewTypeError("secrets.source() needs the name of a secret source"))
	}
	name := nameV.String()
	obj := rt.NewObject()
	_ = obj.Set("get", func(call sobek.FunctionCall) sobek.Value {
		return s.fetch(name, "get", call.Argument(0))
	})
	return obj
}

// fetch returns a Promise of the secret key from source ("" is the
// default), settled on the VU's event loop; the lookup runs off it, as a
// source may block.
func (s *Secrets) fetch(source, fn string, keyV sobek.Value) sobek.Value {
	rt := s.vu.Runtime()
	p, resolve, reject := rt.NewPromise()
	if sobek.IsUndefined(keyV) || sobek.IsNull(keyV) {
		_ = reject(rt.NewTypeError(fn + "() needs the key of a secret"))
		return rt.ToValue(p)
	}
	key := keyV.String()
	if key == "" {
		_ = reject(rt.NewGoError(errors.New(fn + "() needs the key of a secret, got \"\"")))
		return rt.ToValue(p)
	}
	enqueue := s.vu.RegisterCallback()
	src := s.secrets
	go func() {
		v, err := src.Get(source, key)
		enqueue(func() error {
			if err != nil {
				return reject(rt.NewGoError(err))
			}
			return resolve(rt.ToValue(v))
		})
	}()
	return rt.ToValue(p)
}
