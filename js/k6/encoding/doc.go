// Package encoding is the `k6/encoding` module: b64encode and b64decode with
// k6's four base64 variants ("std", "rawstd", "url", "rawurl").
//
// It also exports Bytes, the conversion of a JavaScript string, ArrayBuffer,
// typed array or DataView to Go bytes that k6/crypto and k6/x/stripe use for
// their inputs, and Base64 to look a variant up by name.
package encoding
