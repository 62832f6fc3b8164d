// Package crypto is the `k6/crypto` module: one-shot digests (md4, md5,
// sha1, sha256, sha384, sha512, sha512_224, sha512_256, ripemd160), hmac,
// incremental hashers from createHash and createHMAC, and randomBytes.
//
// Inputs and HMAC secrets are strings (hashed as UTF-8) or ArrayBuffers (or
// views on them). Output encodings are "hex", "base64", "base64url" (padded),
// "base64rawurl" (unpadded) and "binary", which returns an ArrayBuffer, as in
// k6 v1. An unknown algorithm or encoding throws.
package crypto
