package http

import (
	"crypto/md5" //nolint:gosec // RFC 7616 digest auth uses MD5
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/url"
	"strings"
)

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// digestAuthorization answers the first Digest challenge it supports among
// the WWW-Authenticate values (RFC 7616: MD5, MD5-sess, SHA-256,
// SHA-256-sess; qop "auth", or "auth-int" with the body, or none).
func digestAuthorization(challenges []string, user, pass, method string, u *url.URL, body []byte) (string, bool) {
	for _, ch := range challenges {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(ch), " ")
		if !strings.EqualFold(scheme, "Digest") {
			continue
		}
		params := parseAuthParams(rest)
		algo := params["algorithm"]
		if algo == "" {
			algo = "MD5"
		}
		var newHash func() hash.Hash
		switch strings.ToUpper(strings.TrimSuffix(strings.ToUpper(algo), "-SESS")) {
		case "MD5":
			newHash = md5.New
		case "SHA-256":
			newHash = sha256.New
		default:
			continue
		}
		h := func(s string) string {
			hh := newHash()
			hh.Write([]byte(s))
			return hex.EncodeToString(hh.Sum(nil))
		}
		realm, nonce, opaque := params["realm"], params["nonce"], params["opaque"]
		qop := ""
		for q := range strings.SplitSeq(params["qop"], ",") {
			q = strings.TrimSpace(q)
			if q == "auth" {
				qop = "auth"
				break
			}
			if q == "auth-int" && qop == "" {
				qop = "auth-int"
			}
		}
		var cb [8]byte
		_, _ = rand.Read(cb[:])
		cnonce := hex.EncodeToString(cb[:])
		const nc = "00000001"
		uri := u.RequestURI()

		ha1 := h(user + ":" + realm + ":" + pass)
		if strings.HasSuffix(strings.ToUpper(algo), "-SESS") {
			ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
		}
		ha2 := h(method + ":" + uri)
		if qop == "auth-int" {
			ha2 = h(method + ":" + uri + ":" + h(string(body)))
		}
		var response string
		if qop == "" {
			response = h(ha1 + ":" + nonce + ":" + ha2)
		} else {
			response = h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
		}
		var b strings.Builder
		b.WriteString(`Digest username="` + quoteEscape(user) + `", realm="` + quoteEscape(realm) +
			`", nonce="` + quoteEscape(nonce) + `", uri="` + quoteEscape(uri) + `", algorithm=` + algo +
			`, response="` + response + `"`)
		if opaque != "" {
			b.WriteString(`, opaque="` + quoteEscape(opaque) + `"`)
		}
		if qop != "" {
			b.WriteString(`, qop=` + qop + `, nc=` + nc + `, cnonce="` + cnonce + `"`)
		}
		return b.String(), true
	}
	return "", false
}

// parseAuthParams parses `k=v, k2="quoted, value"` auth parameters.
func parseAuthParams(s string) map[string]string {
	out := make(map[string]string)
	for {
		s = strings.TrimLeft(s, " ,\t")
		if s == "" {
			return out
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return out
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			val = b.String()
			if i < len(s) {
				i++
			}
			s = s[i:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		out[key] = val
	}
}

func quoteEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}
