package crypto_test

import (
	"fmt"
	"strings"
	"testing"

	_ "github.com/stampede-load/stampede/js/k6/crypto"
	"github.com/stampede-load/stampede/js/modulestest"
)

func run(t *testing.T, src string) (string, error) {
	t.Helper()
	rt := modulestest.New(t)
	v, err := rt.RunScript(`const crypto = require("k6/crypto");` + src)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// Reference digests of "abc": RFC 1320 (md4), RFC 1321 (md5), FIPS 180
// examples (sha*), the RIPEMD-160 paper; cross-checked with openssl.
var abcDigests = map[string]string{
	"md4":        "a448017aaf21d8525fc10ae87aa6729d",
	"md5":        "900150983cd24fb0d6963f7d28e17f72",
	"sha1":       "a9993e364706816aba3e25717850c26c9cd0d89d",
	"sha256":     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	"sha384":     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
	"sha512":     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	"sha512_224": "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa",
	"sha512_256": "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
	"ripemd160":  "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc",
}

func TestDigests(t *testing.T) {
	for algo, want := range abcDigests {
		t.Run(algo, func(t *testing.T) {
			srcs := []string{
				fmt.Sprintf(`crypto.%s("abc", "hex")`, algo),
				fmt.Sprintf(`crypto.%s(new Uint8Array([97, 98, 99]).buffer, "hex")`, algo),
				fmt.Sprintf(`const h = crypto.createHash(%q); h.update("a"); h.update(new Uint8Array([98, 99])); h.digest("hex")`, algo),
				fmt.Sprintf(`Array.from(new Uint8Array(crypto.%s("abc", "binary")), b => b.toString(16).padStart(2, "0")).join("")`, algo),
			}
			for _, src := range srcs {
				got, err := run(t, src)
				if err != nil {
					t.Fatalf("%s: %v", src, err)
				}
				if got != want {
					t.Fatalf("%s = %s, want %s", src, got, want)
				}
			}
		})
	}
}

func TestOutputEncodings(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), Wikipedia's example.
	const msg = `"The quick brown fox jumps over the lazy dog"`
	tests := []struct {
		enc, want string
	}{
		{"hex", "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
		{"base64", "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="},
		{"base64url", "97yD9DBThCSxMpjmqm-xQ-9NWaFJRhdZl0edvC0aPNg="},
		{"base64rawurl", "97yD9DBThCSxMpjmqm-xQ-9NWaFJRhdZl0edvC0aPNg"},
	}
	for _, tt := range tests {
		t.Run(tt.enc, func(t *testing.T) {
			for _, src := range []string{
				fmt.Sprintf(`crypto.hmac("sha256", "key", %s, %q)`, msg, tt.enc),
				fmt.Sprintf(`const h = crypto.createHMAC("sha256", "key"); h.update(%s); h.digest(%q)`, msg, tt.enc),
			} {
				got, err := run(t, src)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Fatalf("%s = %s, want %s", src, got, tt.want)
				}
			}
		})
	}
	t.Run("binary is an ArrayBuffer", func(t *testing.T) {
		got, err := run(t, `const b = crypto.hmac("sha256", "key", "x", "binary"); (b instanceof ArrayBuffer) + ":" + b.byteLength`)
		if err != nil {
			t.Fatal(err)
		}
		if got != "true:32" {
			t.Fatalf("got %s, want true:32", got)
		}
	})
}

func TestHMACInputs(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"md5", `crypto.hmac("md5", "key", "The quick brown fox jumps over the lazy dog", "hex")`, "80070713463e7749b90c2dc24911e275"},
		{"binary secret", `crypto.hmac("sha1", new Uint8Array([0, 1, 2, 255]).buffer, "abc", "hex")`, "3d5589b23e9edd5ad15deb805263592032e950e4"},
		{"binary secret in createHMAC", `const h = crypto.createHMAC("sha1", new Uint8Array([0, 1, 2, 255])); h.update("abc"); h.digest("hex")`, "3d5589b23e9edd5ad15deb805263592032e950e4"},
		{"utf-8 input", `crypto.sha256("中", "hex")`, "a567bdaa11367f260f0708391f4d10766b5962f565d9e432f17981a3584fe1e2"},
		{"digest does not reset", `const h = crypto.createHash("sha256"); h.update("abc"); const a = h.digest("hex"); h.update("def"); a + " " + h.digest("hex")`,
			abcDigests["sha256"] + " bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721"},
		{"hashers are independent", `const a = crypto.createHash("md5"), b = crypto.createHash("md5"); a.update("abc"); b.update("x"); a.digest("hex")`, abcDigests["md5"]},
		{"default export", `require("k6/crypto").default.md5("abc", "hex")`, abcDigests["md5"]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("%s = %s, want %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestRandomBytes(t *testing.T) {
	got, err := run(t, `const a = new Uint8Array(crypto.randomBytes(32)), b = new Uint8Array(crypto.randomBytes(32));
		(crypto.randomBytes(5) instanceof ArrayBuffer) + ":" + a.length + ":" + a.some((x, i) => x !== b[i])`)
	if err != nil {
		t.Fatal(err)
	}
	if got != "true:32:true" {
		t.Fatalf("got %s, want true:32:true (two 32-byte draws differ)", got)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, src, wantErr string
	}{
		{"unknown encoding", `crypto.md5("x", "base32")`, `md5: unknown output encoding "base32"`},
		{"missing encoding", `crypto.sha1("x")`, `sha1: unknown output encoding ""`},
		{"unknown hmac algorithm", `crypto.hmac("sha3", "k", "x", "hex")`, `hmac: unknown hash algorithm "sha3"`},
		{"unknown createHash algorithm", `crypto.createHash("whirlpool")`, `createHash: unknown hash algorithm "whirlpool"`},
		{"unknown createHMAC algorithm", `crypto.createHMAC("crc32", "k")`, `createHMAC: unknown hash algorithm "crc32"`},
		{"digest encoding", `crypto.createHash("md5").digest("b64")`, `createHash().digest: unknown output encoding "b64"`},
		{"number input", `crypto.sha256(42, "hex")`, "sha256: input got a number, want a string or ArrayBuffer"},
		{"object input", `crypto.createHash("md5").update({})`, "update: input got an object"},
		{"secret type, value not echoed", `crypto.hmac("sha256", 123456789, "x", "hex")`, "hmac: secret got a number"},
		{"random size 0", `crypto.randomBytes(0)`, "randomBytes: size 0 is invalid"},
		{"random size fraction", `crypto.randomBytes(1.5)`, "randomBytes: size 1.5 is invalid"},
		{"random size missing", `crypto.randomBytes()`, "randomBytes: size undefined is invalid"},
		{"random size too big", `crypto.randomBytes(2 ** 31)`, "is invalid: want an integer from 1 to"},
		{"type errors are TypeError", `try { crypto.md5(null, "hex") } catch (e) { throw new Error(e.name) }`, "TypeError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "123456789") {
				t.Fatalf("error %q echoes the secret", err)
			}
		})
	}
}
