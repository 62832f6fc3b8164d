package target

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
)

// fuzzRoutes are the paths FuzzRoutes aims at; {sid} is replaced by a real
// session id. An index past the end uses the fuzzed path as is.
var fuzzRoutes = []string{
	"/auth/anonymous", "/me", "/webhooks/stripe", "/queue/join", "/queue/leave",
	"/queue/status", "/sessions/{sid}", "/sessions/{sid}/end", "/healthz", "/metrics",
}

var fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"}

// Flags of a FuzzRoutes input.
const (
	fuzzValidToken = 1 << iota // send a real bearer token
	fuzzSign                   // sign the body with the real secret
	fuzzPeerToken              // use the token of a user outside the session
)

// FuzzRoutes throws random methods, paths, bodies and headers at every route
// and checks that the server answers without a 5xx or a panic, that error
// answers are JSON {"error","message"}, and that a request that fails leaves
// the state unchanged.
func FuzzRoutes(f *testing.F) {
	seeds := []struct {
		route, method uint8
		path          string
		body          string
		auth, sig     string
		flags         uint8
	}{
		{0, 1, "", "", "", "", 0},
		{1, 0, "", "", "", "", fuzzValidToken},
		{3, 1, "", `{"region":"eu","mode":"shared","sessionSeconds":10}`, "", "", fuzzValidToken},
		{3, 1, "", `{"region":5}`, "", "", fuzzValidToken},
		{3, 1, "", `{"mode":"isolated"`, "", "", fuzzValidToken},
		{3, 1, "", `[`, "", "", fuzzValidToken},
		{3, 1, "", `{"sessionSeconds":1e400}`, "", "", fuzzValidToken},
		{4, 1, "", "", "", "", fuzzValidToken},
		{5, 0, "", "", "", "", fuzzValidToken},
		{6, 0, "", "", "", "", fuzzValidToken},
		{6, 0, "", "", "", "", fuzzValidToken | fuzzPeerToken},
		{7, 1, "", "", "", "", fuzzValidToken},
		{2, 1, "", string(checkoutEvent("evt_f1", "usr_x", "5")), "", "", fuzzSign},
		{2, 1, "", `{"id":"evt_f2","type":"checkout.session.completed","data":{"object":{"metadata":{"tokens":[]}}}}`, "", "", fuzzSign},
		{2, 1, "", `{"id":"evt_f3"}`, "", "t=1,v1=00", 0},
		{2, 1, "", `{}`, "", "t=,v1=", 0},
		{2, 1, "", `null`, "", "", fuzzSign},
		{8, 0, "", "", "", "", 0},
		{9, 0, "", "", "", "", 0},
		{200, 0, "/sessions//end", "", "Bearer x", "", 0},
		{200, 1, "/queue/join/", "{}", "", "", fuzzValidToken},
		{1, 3, "", "", "Bearer \x00", "", 0},
	}
	for _, s := range seeds {
		f.Add(s.route, s.method, s.path, []byte(s.body), s.auth, s.sig, s.flags)
	}
	f.Fuzz(func(t *testing.T, routeIdx, methodIdx uint8, path string, body []byte, auth, sig string, flags uint8) {
		s, clk := manualServer(t)
		c := direct(t, s)
		// State to aim at: a session between two users, one user waiting,
		// one outsider.
		_, toks := funded(c, 4, 3)
		joinAll(t, c, `{}`, toks[0], toks[1])
		s.w.tick()
		joinAll(t, c, `{"region":"w"}`, toks[2])
		sid := c.do("GET", "/queue/status", toks[0], nil).str("sessionId")

		if int(routeIdx) < len(fuzzRoutes) {
			path = fuzzRoutes[routeIdx]
		}
		path = string(bytes.ReplaceAll([]byte(path), []byte("{sid}"), []byte(sid)))
		method := fuzzMethods[int(methodIdx)%len(fuzzMethods)]
		req := httptest.NewRequest(method, "/", bytes.NewReader(body))
		req.URL.Path = path
		req.Header.Set("Content-Type", "application/json")
		switch {
		case flags&fuzzPeerToken != 0:
			req.Header.Set("Authorization", "Bearer "+toks[3])
		case flags&fuzzValidToken != 0:
			req.Header.Set("Authorization", "Bearer "+toks[int(routeIdx)%3])
		case auth != "":
			req.Header.Set("Authorization", auth)
		}
		if flags&fuzzSign != 0 {
			sig = sign(body, clk.Now(), testSecret)
		}
		if sig != "" {
			req.Header.Set("Stripe-Signature", sig)
		}

		before := takeSnapshot(s)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req) // a panic fails the fuzz target
		after := takeSnapshot(s)

		if rec.Code >= 500 {
			t.Fatalf("%s %q answered %d: %s", method, path, rec.Code, rec.Body.Bytes())
		}
		if rec.Code >= 400 {
			var e struct{ Error, Message string }
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || e.Message == "" {
				t.Fatalf("%s %q answered %d with a body that is not an API error: %q", method, path, rec.Code, rec.Body.Bytes())
			}
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatalf("%s %q failed with %d but changed the state:\nbefore %v\nafter  %v", method, path, rec.Code, before, after)
			}
		}
		checkInvariants(t, s)
	})
}
