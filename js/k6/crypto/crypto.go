package crypto

import (
	"crypto/hmac"
	"crypto/md5"  //nolint:gosec // k6 API: md5 is offered for compatibility, not security
	"crypto/rand" // randomBytes must be unpredictable
	"crypto/sha1" //nolint:gosec // k6 API
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"

	"github.com/grafana/sobek"
	"golang.org/x/crypto/md4"       //nolint:staticcheck // k6 API
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // k6 API

	"github.com/stampede-load/stampede/js/k6/encoding"
	"github.com/stampede-load/stampede/js/modules"
)

func init() { modules.RegisterBuiltin("k6/crypto", New()) }

// RootModule is the k6/crypto module.
type RootModule struct{}

// New returns the k6/crypto module.
func New() *RootModule { return &RootModule{} }

// Crypto is one VU's k6/crypto instance.
type Crypto struct {
	vu modules.VU
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Crypto)(nil)
)

// NewModuleInstance returns the VU's instance.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance { return &Crypto{vu: vu} }

// Algorithms lists the hash algorithm names k6/crypto accepts, in k6's order.
var Algorithms = []string{"md4", "md5", "sha1", "sha256", "sha384", "sha512", "sha512_224", "sha512_256", "ripemd160"}

// NewHash returns a new hash.Hash constructor for a k6 algorithm name.
func NewHash(algorithm string) (func() hash.Hash, error) {
	switch algorithm {
	case "md4":
		return md4.New, nil
	case "md5":
		return md5.New, nil
	case "sha1":
		return sha1.New, nil
	case "sha256":
		return sha256.New, nil
	case "sha384":
		return sha512.New384, nil
	case "sha512":
		return sha512.New, nil
	case "sha512_224":
		return sha512.New512_224, nil
	case "sha512_256":
		return sha512.New512_256, nil
	case "ripemd160":
		return ripemd160.New, nil
	}
	return nil, fmt.Errorf("unknown hash algorithm %q: want one of md4, md5, sha1, sha256, sha384, sha512, sha512_224, sha512_256, ripemd160", algorithm)
}

// Exports returns the module's functions under k6's names.
func (c *Crypto) Exports() modules.Exports {
	named := map[string]any{
		"hmac":        c.HMAC,
		"createHash":  c.CreateHash,
		"createHMAC":  c.CreateHMAC,
		"randomBytes": c.RandomBytes,
	}
	for _, algo := range Algorithms {
		named[algo] = c.digestFunc(algo)
	}
	return modules.Exports{Named: named}
}

// Encode renders a digest in a k6 output encoding: a string for "hex",
// "base64", "base64url" and "base64rawurl", an ArrayBuffer for "binary".
func Encode(rt *sobek.Runtime, sum []byte, outputEncoding string) (sobek.Value, error) {
	switch outputEncoding {
	case "hex":
		return rt.ToValue(hex.EncodeToString(sum)), nil
	case "base64":
		return rt.ToValue(base64.StdEncoding.EncodeToString(sum)), nil
	case "base64url":
		return rt.ToValue(base64.URLEncoding.EncodeToString(sum)), nil
	case "base64rawurl":
		return rt.ToValue(base64.RawURLEncoding.EncodeToString(sum)), nil
	case "binary":
		return rt.ToValue(rt.NewArrayBuffer(sum)), nil
	}
	return nil, fmt.Errorf("unknown output encoding %q: want \"hex\", \"base64\", \"base64url\", \"base64rawurl\" or \"binary\"", outputEncoding)
}

func encodingName(v sobek.Value) string {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return ""
	}
	return v.String()
}

// throw raises a JavaScript error for err with the function name in front.
func (c *Crypto) throw(fn string, err error) {
	panic(c.vu.Runtime().NewGoError(fmt.Errorf("%s: %w", fn, err)))
}

func (c *Crypto) bytes(fn, what string, v sobek.Value) []byte {
	b, err := encoding.Bytes(c.vu.Runtime(), v)
	if err != nil {
		panic(c.vu.Runtime().NewTypeError(fmt.Sprintf("%s: %s %s", fn, what, err)))
	}
	return b
}

func (c *Crypto) digestFunc(algo string) func(input, outputEncoding sobek.Value) sobek.Value {
	newHash, _ := NewHash(algo)
	return func(input, outputEncoding sobek.Value) sobek.Value {
		h := newHash()
		h.Write(c.bytes(algo, "input", input))
		out, err := Encode(c.vu.Runtime(), h.Sum(nil), encodingName(outputEncoding))
		if err != nil {
			c.throw(algo, err)
		}
		return out
	}
}

// HMAC implements hmac(algorithm, secret, input, outputEncoding).
func (c *Crypto) HMAC(algorithm string, secret, input, outputEncoding sobek.Value) sobek.Value {
	newHash, err := NewHash(algorithm)
	if err != nil {
		c.throw("hmac", err)
	}
	mac := hmac.New(newHash, c.bytes("hmac", "secret", secret))
	mac.Write(c.bytes("hmac", "input", input))
	out, err := Encode(c.vu.Runtime(), mac.Sum(nil), encodingName(outputEncoding))
	if err != nil {
		c.throw("hmac", err)
	}
	return out
}

// CreateHash implements createHash(algorithm): a Hasher object.
func (c *Crypto) CreateHash(algorithm string) *sobek.Object {
	newHash, err := NewHash(algorithm)
	if err != nil {
		c.throw("createHash", err)
	}
	return c.hasher("createHash", newHash())
}

// CreateHMAC implements createHMAC(algorithm, secret): a Hasher object.
func (c *Crypto) CreateHMAC(algorithm string, secret sobek.Value) *sobek.Object {
	newHash, err := NewHash(algorithm)
	if err != nil {
		c.throw("createHMAC", err)
	}
	return c.hasher("createHMAC", hmac.New(newHash, c.bytes("createHMAC", "secret", secret)))
}

// hasher wraps h in k6's Hasher: update(input) adds data, digest(encoding)
// returns the digest of everything added so far (it does not reset, so more
// updates and digests may follow).
func (c *Crypto) hasher(fn string, h hash.Hash) *sobek.Object {
	rt := c.vu.Runtime()
	obj := rt.NewObject()
	must(obj.Set("update", func(input sobek.Value) {
		h.Write(c.bytes(fn+"().update", "input", input))
	}))
	must(obj.Set("digest", func(outputEncoding sobek.Value) sobek.Value {
		out, err := Encode(rt, h.Sum(nil), encodingName(outputEncoding))
		if err != nil {
			c.throw(fn+"().digest", err)
		}
		return out
	}))
	return obj
}

func must(err error) {
	if err != nil {
		panic(err) // setting a property on a fresh ordinary object cannot fail
	}
}

// maxRandomBytes bounds randomBytes so that a typo cannot exhaust memory.
const maxRandomBytes = 1 << 30

// RandomBytes implements randomBytes(size): size cryptographically random
// bytes as an ArrayBuffer. size must be an integer from 1 to 2^30.
func (c *Crypto) RandomBytes(size sobek.Value) sobek.Value {
	rt := c.vu.Runtime()
	f := math.NaN()
	if size != nil && !sobek.IsUndefined(size) {
		f = size.ToFloat()
	}
	if f != math.Trunc(f) || f < 1 || f > maxRandomBytes {
		panic(rt.NewTypeError(fmt.Sprintf("randomBytes: size %s is invalid: want an integer from 1 to %d", sizeString(size), maxRandomBytes)))
	}
	b := make([]byte, int(f))
	_, _ = rand.Read(b) // never fails on supported platforms (Go 1.24+)
	return rt.ToValue(rt.NewArrayBuffer(b))
}

func sizeString(v sobek.Value) string {
	if v == nil || sobek.IsUndefined(v) {
		return "undefined"
	}
	return v.String()
}
