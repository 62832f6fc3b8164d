package encoding_test

import (
	"strings"
	"testing"

	"github.com/stampede-load/stampede/js/k6/encoding"
	"github.com/stampede-load/stampede/js/modulestest"
)

func run(t *testing.T, src string) (string, error) {
	t.Helper()
	rt := modulestest.New(t)
	v, err := rt.RunScript(`const enc = require("k6/encoding");` + src)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

func TestB64Encode(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"default is std", `enc.b64encode("hello?>")`, "aGVsbG8/Pg=="},
		{"std", `enc.b64encode("hello?>", "std")`, "aGVsbG8/Pg=="},
		{"rawstd", `enc.b64encode("hello?>", "rawstd")`, "aGVsbG8/Pg"},
		{"url", `enc.b64encode("hello?>", "url")`, "aGVsbG8_Pg=="},
		{"rawurl", `enc.b64encode("hello?>", "rawurl")`, "aGVsbG8_Pg"},
		{"utf-8", `enc.b64encode("ä€")`, "w6Tigqw="},
		{"empty", `enc.b64encode("")`, ""},
		{"ArrayBuffer", `enc.b64encode(new Uint8Array([0, 255, 1]).buffer)`, "AP8B"},
		{"typed array view", `enc.b64encode(new Uint8Array([9, 0, 255, 1, 9]).subarray(1, 4))`, "AP8B"},
		{"DataView", `enc.b64encode(new DataView(new Uint8Array([9, 0, 255, 1]).buffer, 1))`, "AP8B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("%s = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestB64Decode(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"std to string", `enc.b64decode("aGVsbG8/Pg==", "std", "s")`, "hello?>"},
		{"default variant", `enc.b64decode("aGVsbG8/Pg==", undefined, "s")`, "hello?>"},
		{"rawstd", `enc.b64decode("aGVsbG8/Pg", "rawstd", "s")`, "hello?>"},
		{"url", `enc.b64decode("aGVsbG8_Pg==", "url", "s")`, "hello?>"},
		{"rawurl", `enc.b64decode("aGVsbG8_Pg", "rawurl", "s")`, "hello?>"},
		{"utf-8", `enc.b64decode("w6Tigqw=", "std", "s")`, "ä€"},
		{"ArrayBuffer by default", `const b = enc.b64decode("AP8B"); (b instanceof ArrayBuffer) + ":" + Array.from(new Uint8Array(b)).join(",")`, "true:0,255,1"},
		{"ArrayBuffer for other formats", `const b = enc.b64decode("AP8B", "std", "b"); (b instanceof ArrayBuffer) + ":" + b.byteLength`, "true:3"},
		{"ArrayBuffer input", `enc.b64decode(new Uint8Array([65, 80, 56, 66]).buffer, "std", "s").length`, "3"},
		{"round trip binary", `const src = new Uint8Array(256).map((_, i) => i);
			const back = new Uint8Array(enc.b64decode(enc.b64encode(src.buffer, "rawurl"), "rawurl"));
			back.every((x, i) => x === src[i]) && back.length === 256`, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("%s = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, src, wantErr string
	}{
		{"unknown encode variant", `enc.b64encode("x", "base32")`, `unknown base64 encoding "base32"`},
		{"unknown decode variant", `enc.b64decode("eA==", "hex")`, `unknown base64 encoding "hex"`},
		{"encode number", `enc.b64encode(42)`, "input got a number, want a string or ArrayBuffer"},
		{"encode object", `enc.b64encode({})`, "input got an object"},
		{"encode undefined", `enc.b64encode()`, "input got undefined"},
		{"std needs padding", `enc.b64decode("aGVsbG8/Pg", "std")`, `input is not valid "std" base64`},
		{"rawstd rejects padding", `enc.b64decode("aGVsbG8/Pg==", "rawstd")`, `input is not valid "rawstd" base64`},
		{"url alphabet in std", `enc.b64decode("aGVsbG8_Pg==")`, `input is not valid "std" base64`},
		{"thrown error is catchable", `try { enc.b64decode("!!!") } catch (e) { throw new Error("caught: " + e.message) }`, "caught: b64decode: input is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestBase64Variants(t *testing.T) {
	for _, name := range []string{"", "std", "rawstd", "url", "rawurl"} {
		if _, err := encoding.Base64(name); err != nil {
			t.Errorf("Base64(%q): %v", name, err)
		}
	}
	if _, err := encoding.Base64("STD"); err == nil {
		t.Error(`Base64("STD") did not fail`)
	}
}

func TestBytes(t *testing.T) {
	rt := modulestest.New(t)
	for src, want := range map[string]string{
		`"héllo"`:                                               "héllo",
		`new Uint8Array([104, 105]).buffer`:                     "hi",
		`new Uint16Array([0x6968])`:                             "hi",
		`new Uint8Array([0, 104, 105, 0]).subarray(1, 3)`:       "hi",
		`new DataView(new Uint8Array([0, 104, 105]).buffer, 1)`: "hi",
	} {
		v, err := rt.RunScript(src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := encoding.Bytes(rt.Sobek(), v)
		if err != nil {
			t.Fatalf("Bytes(%s): %v", src, err)
		}
		if string(b) != want {
			t.Errorf("Bytes(%s) = %q, want %q", src, b, want)
		}
	}
	for _, src := range []string{`null`, `undefined`, `1`, `true`, `[1,2]`, `({a: 1})`, `new Date(0)`, `new String("hi")`, `({buffer: new ArrayBuffer(2), byteOffset: 0, byteLength: 2})`, `Symbol("x")`, `10n`, `(() => 1)`} {
		v, err := rt.RunScript(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := encoding.Bytes(rt.Sobek(), v); err == nil {
			t.Errorf("Bytes(%s) did not fail", src)
		}
	}
}
