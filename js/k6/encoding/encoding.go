package encoding

import (
	"encoding/base64"
	"fmt"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
)

func init() { modules.RegisterBuiltin("k6/encoding", New()) }

// RootModule is the k6/encoding module.
type RootModule struct{}

// New returns the k6/encoding module.
func New() *RootModule { return &RootModule{} }

// Encoding is one VU's k6/encoding instance.
type Encoding struct {
	vu modules.VU
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Encoding)(nil)
)

// NewModuleInstance returns the VU's instance.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance { return &Encoding{vu: vu} }

// Exports returns b64encode and b64decode.
func (e *Encoding) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"b64encode": e.B64Encode,
		"b64decode": e.B64Decode,
	}}
}

// Base64 returns k6's base64 variant called name: "std" (also ""), "rawstd",
// "url" or "rawurl".
func Base64(name string) (*base64.Encoding, error) {
	switch name {
	case "", "std":
		return base64.StdEncoding, nil
	case "rawstd":
		return base64.RawStdEncoding, nil
	case "url":
		return base64.URLEncoding, nil
	case "rawurl":
		return base64.RawURLEncoding, nil
	}
	return nil, fmt.Errorf("unknown base64 encoding %q: want \"std\", \"rawstd\", \"url\" or \"rawurl\"", name)
}

func optString(v sobek.Value) string {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return ""
	}
	return v.String()
}

// B64Encode implements b64encode(input, encoding = "std"): input is a string
// (encoded as UTF-8) or an ArrayBuffer (or a view on one).
func (e *Encoding) B64Encode(input, encoding sobek.Value) string {
	rt := e.vu.Runtime()
	enc, err := Base64(optString(encoding))
	if err != nil {
		panic(rt.NewTypeError("b64encode: " + err.Error()))
	}
	b, err := Bytes(rt, input)
	if err != nil {
		panic(rt.NewTypeError("b64encode: input " + err.Error()))
	}
	return enc.EncodeToString(b)
}

// B64Decode implements b64decode(input, encoding = "std", format): the
// decoded bytes as an ArrayBuffer, or as a string when format is "s". Input
// that is not valid in the variant (wrong alphabet, wrong padding) throws.
func (e *Encoding) B64Decode(input, encoding, format sobek.Value) sobek.Value {
	rt := e.vu.Runtime()
	name := optString(encoding)
	enc, err := Base64(name)
	if err != nil {
		panic(rt.NewTypeError("b64decode: " + err.Error()))
	}
	b, err := Bytes(rt, input)
	if err != nil {
		panic(rt.NewTypeError("b64decode: input " + err.Error()))
	}
	out := make([]byte, enc.DecodedLen(len(b)))
	n, err := enc.Decode(out, b)
	if err != nil {
		if name == "" {
			name = "std"
		}
		panic(rt.NewGoError(fmt.Errorf("b64decode: input is not valid %q base64: %w", name, err)))
	}
	out = out[:n]
	if optString(format) == "s" {
		return rt.ToValue(string(out))
	}
	return rt.ToValue(rt.NewArrayBuffer(out))
}
