package target

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Queue modes accepted by POST /queue/join.
const (
	modeShared   = "shared"
	modeIsolated = "isolated"
)

// defaultRegion is the region of a join that names none.
const defaultRegion = "australiaCentral"

// Errors shared by several routes; shared values, never mutated.
var (
	errUnauthorized    = &apiError{401, "unauthorized", "missing or unknown bearer token"}
	errNotFound        = &apiError{404, "not_found", "no such route"}
	errNoSession       = &apiError{404, "not_found", "no such session"}
	errMethod          = &apiError{405, "method_not_allowed", "method not allowed on this route"}
	errTooLarge        = &apiError{413, "payload_too_large", "request body exceeds 1 MiB"}
	errEmptyRegion     = &apiError{400, "invalid_request", "region must not be empty"}
	errLongRegion      = &apiError{400, "invalid_request", "region must be at most 64 characters"}
	errBadRegion       = &apiError{400, "invalid_request", "region must be valid UTF-8 without control characters"}
	errMode            = &apiError{400, "invalid_request", `mode must be "isolated" or "shared"`}
	errSessionSeconds  = &apiError{400, "invalid_request", "sessionSeconds must be an integer from 1 to 3600"}
	errReadBody        = &apiError{400, "invalid_request", "could not read the request body"}
	errInternalEncoder = &apiError{500, "internal", "could not encode the response"}
)

// Canned header values and bodies (never mutated).
var (
	contentTypeJSON = []string{"application/json"}
	noStore         = []string{"no-store"}
	healthzBody     = []byte(`{"ok":true}`)
	idleBody        = []byte(`{"status":"idle"}`)
	endedBody       = []byte(`{"state":"ended"}`)
)

// routeMethod is the method each route accepts (GET routes also take HEAD).
var routeMethod = [numRoutes]string{
	routeAuth:       http.MethodPost,
	routeMe:         http.MethodGet,
	routeWebhook:    http.MethodPost,
	routeJoin:       http.MethodPost,
	routeLeave:      http.MethodPost,
	routeStatus:     http.MethodGet,
	routeSession:    http.MethodGet,
	routeSessionEnd: http.MethodPost,
	routeHealthz:    http.MethodGet,
	routeMetrics:    http.MethodGet,
}

// matchRoute maps a request path to its route and, for the session routes,
// the session id.
func matchRoute(path string) (route, string) {
	switch path {
	case "/auth/anonymous":
		return routeAuth, ""
	case "/me":
		return routeMe, ""
	case "/webhooks/stripe":
		return routeWebhook, ""
	case "/queue/join":
		return routeJoin, ""
	case "/queue/leave":
		return routeLeave, ""
	case "/queue/status":
		return routeStatus, ""
	case "/healthz":
		return routeHealthz, ""
	case "/metrics":
		return routeMetrics, ""
	}
	rest, ok := strings.CutPrefix(path, "/sessions/")
	if !ok {
		return routeUnmatched, ""
	}
	id, tail, hasTail := strings.Cut(rest, "/")
	switch {
	case id == "":
		return routeUnmatched, ""
	case !hasTail:
		return routeSession, id
	case tail == "end":
		return routeSessionEnd, id
	}
	return routeUnmatched, ""
}

// ServeHTTP implements http.Handler: it routes, serves and records the
// request metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rt, id := matchRoute(r.URL.Path)
	code := s.serve(w, r, rt, id)
	s.m.observe(rt, code, time.Since(start))
}

// serve answers one request and returns the status code it wrote.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route, id string) int {
	if rt == routeUnmatched {
		return writeError(w, errNotFound)
	}
	if want := routeMethod[rt]; r.Method != want && (want != http.MethodGet || r.Method != http.MethodHead) {
		w.Header().Set("Allow", allowOf(want))
		return writeError(w, errMethod)
	}
	if r.ContentLength > MaxBodyBytes {
		return s.tooLarge(w, rt)
	}
	switch rt {
	case routeHealthz:
		return writeRaw(w, http.StatusOK, healthzBody)
	case routeMetrics:
		s.metricsHandler.ServeHTTP(w, r)
		return http.StatusOK
	case routeWebhook:
		return s.handleWebhook(w, r)
	case routeAuth:
		// No body is expected; one is read (and ignored) only to enforce
		// the size limit before any state changes.
		b, aerr := readBody(r)
		if aerr != nil {
			return s.bodyError(w, rt, aerr)
		}
		b.release()
		return s.handleAuth(w)
	}

	u := s.authenticate(r)
	if u == nil {
		return writeError(w, errUnauthorized)
	}
	if r.Method == http.MethodPost {
		body, aerr := readBody(r)
		if aerr != nil {
			return s.bodyError(w, rt, aerr)
		}
		defer body.release()
		if rt == routeJoin {
			return s.handleJoin(w, u, body.b)
		}
	}
	switch rt {
	case routeMe:
		return s.handleMe(w, u)
	case routeLeave:
		s.st.leave(u, s.now())
		return writeRaw(w, http.StatusOK, idleBody)
	case routeStatus:
		return s.handleStatus(w, u)
	case routeSession:
		return s.handleSession(w, u, id)
	default: // routeSessionEnd
		return s.handleSessionEnd(w, u, id)
	}
}

// allowOf returns the Allow header value for a route's method.
func allowOf(method string) string {
	if method == http.MethodGet {
		return "GET, HEAD"
	}
	return method
}

// tooLarge answers 413 and, for the webhook route, counts a rejection.
func (s *Server) tooLarge(w http.ResponseWriter, rt route) int {
	if rt == routeWebhook {
		s.st.c.webhook[webhookRejected].Add(1)
	}
	w.Header().Set("Connection", "close")
	return writeError(w, errTooLarge)
}

// bodyError answers a failure to read the request body.
func (s *Server) bodyError(w http.ResponseWriter, rt route, aerr *apiError) int {
	if aerr == errTooLarge {
		return s.tooLarge(w, rt)
	}
	if rt == routeWebhook {
		s.st.c.webhook[webhookRejected].Add(1)
	}
	return writeError(w, aerr)
}

// authenticate returns the user of the request's bearer token, or nil.
func (s *Server) authenticate(r *http.Request) *user {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return nil
	}
	tok := strings.TrimSpace(h[7:])
	if tok == "" {
		return nil
	}
	return s.st.userByToken(tok)
}

// now returns the server clock's current time.
func (s *Server) now() time.Time { return s.cfg.Clock() }

// body is a request body read into a pooled buffer.
type body struct {
	b  []byte
	bp *[]byte
}

// release returns the buffer to the pool (small ones only).
func (b body) release() {
	if cap(b.b) <= 64<<10 {
		*b.bp = b.b[:0]
		bodyPool.Put(b.bp)
	}
}

// bodyPool recycles request body buffers.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// readBody reads the whole request body, at most MaxBodyBytes.
func readBody(r *http.Request) (body, *apiError) {
	bp := bodyPool.Get().(*[]byte)
	b := (*bp)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		limit := min(cap(b), MaxBodyBytes+1)
		n, err := r.Body.Read(b[len(b):limit])
		b = b[:len(b)+n]
		if len(b) > MaxBodyBytes {
			*bp = b[:0]
			bodyPool.Put(bp)
			return body{}, errTooLarge
		}
		if err == io.EOF {
			return body{b: b, bp: bp}, nil
		}
		if err != nil {
			*bp = b[:0]
			bodyPool.Put(bp)
			return body{}, errReadBody
		}
	}
}

// writeRaw writes a JSON body that is already encoded.
func writeRaw(w http.ResponseWriter, code int, b []byte) int {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Cache-Control"] = noStore
	w.WriteHeader(code)
	_, _ = w.Write(b)
	return code
}

// writeJSON encodes v and writes it with the given status.
func writeJSON(w http.ResponseWriter, code int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return writeError(w, errInternalEncoder)
	}
	return writeRaw(w, code, b)
}

// errorBody is the body of every error answer.
type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// writeError writes an API error answer.
func writeError(w http.ResponseWriter, e *apiError) int {
	b, _ := json.Marshal(errorBody{Error: e.code, Message: e.message})
	return writeRaw(w, e.status, b)
}

// invalidRequest returns a 400 invalid_request with a message.
func invalidRequest(msg string) *apiError {
	return &apiError{status: 400, code: "invalid_request", message: msg}
}

// jsonProblem explains a JSON decoding error in human terms.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	var synErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return "the body must be a JSON object, not " + typeErr.Value
		}
		return "field \"" + typeErr.Field + "\" must be " + jsonKind(typeErr.Type.Kind().String()) + ", not " + typeErr.Value
	case errors.As(err, &synErr):
		return "malformed JSON at byte " + strconv.FormatInt(synErr.Offset, 10) + ": " + synErr.Error()
	}
	return "malformed JSON: " + err.Error()
}

// jsonKind names a Go kind the way a JSON user would.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "a boolean"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	}
	return "of another type"
}

// authResponse is the body of POST /auth/anonymous.
type authResponse struct {
	UserID string `json:"userId"`
	Token  string `json:"token"`
}

// handleAuth serves POST /auth/anonymous.
func (s *Server) handleAuth(w http.ResponseWriter) int {
	u := s.st.createUser()
	return writeJSON(w, http.StatusCreated, authResponse{UserID: u.id, Token: u.token})
}

// meResponse is the body of GET /me.
type meResponse struct {
	UserID    string  `json:"userId"`
	Tokens    int64   `json:"tokens"`
	Status    string  `json:"status"`
	SessionID *string `json:"sessionId"`
}

// handleMe serves GET /me.
func (s *Server) handleMe(w http.ResponseWriter, u *user) int {
	v := u.view()
	resp := meResponse{UserID: v.id, Tokens: v.tokens, Status: v.status.String()}
	if v.session != nil {
		resp.SessionID = &v.session.id
	}
	return writeJSON(w, http.StatusOK, resp)
}

// joinRequest is the body of POST /queue/join. Unknown fields are ignored
// for forward compatibility.
type joinRequest struct {
	Region         *string `json:"region"`
	Mode           *string `json:"mode"`
	SessionSeconds *int64  `json:"sessionSeconds"`
}

// joinResponse is the body of a successful POST /queue/join.
type joinResponse struct {
	Status   string `json:"status"`
	QueueKey string `json:"queueKey"`
	Position int64  `json:"position"`
}

// parseJoin decodes and validates a join body; an empty body means all
// defaults.
func parseJoin(b []byte) (region string, shared bool, hold time.Duration, _ *apiError) {
	var req joinRequest
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &req); err != nil {
			return "", false, 0, invalidRequest("invalid join body: " + jsonProblem(err))
		}
	}
	region, shared = defaultRegion, true
	if req.Region != nil {
		region = *req.Region
		switch n := utf8.RuneCountInString(region); {
		case n == 0:
			return "", false, 0, errEmptyRegion
		case n > MaxRegionLen:
			return "", false, 0, errLongRegion
		}
		for _, c := range region {
			if c < 0x20 || c == 0x7f || c == utf8.RuneError {
				return "", false, 0, errBadRegion
			}
		}
	}
	if req.Mode != nil {
		switch *req.Mode {
		case modeShared:
		case modeIsolated:
			shared = false
		default:
			return "", false, 0, errMode
		}
	}
	if req.SessionSeconds != nil {
		n := *req.SessionSeconds
		if n < 1 || n > MaxSessionSeconds {
			return "", false, 0, errSessionSeconds
		}
		hold = time.Duration(n) * time.Second
	}
	return region, shared, hold, nil
}

// handleJoin serves POST /queue/join.
func (s *Server) handleJoin(w http.ResponseWriter, u *user, b []byte) int {
	region, shared, hold, aerr := parseJoin(b)
	if aerr != nil {
		return writeError(w, aerr)
	}
	res, aerr := s.st.join(u, region, shared, hold)
	if aerr != nil {
		return writeError(w, aerr)
	}
	key := region + ":" + modeShared
	if !shared {
		key = region + ":" + modeIsolated + ":" + u.id
	}
	return writeJSON(w, http.StatusOK, joinResponse{Status: "waiting", QueueKey: key, Position: res.position})
}

// queueStatusResponse is the body of GET /queue/status.
type queueStatusResponse struct {
	Status    string `json:"status"`
	Position  int    `json:"position,omitempty"`
	SessionID string `json:"sessionId,omitempty"`
	PeerID    string `json:"peerId,omitempty"`
}

// handleStatus serves GET /queue/status.
func (s *Server) handleStatus(w http.ResponseWriter, u *user) int {
	v := u.view()
	switch v.status {
	case statusWaiting:
		pos := 1
		if v.entry.queue.shared {
			pos = v.entry.queue.position(v.entry)
		}
		return writeJSON(w, http.StatusOK, queueStatusResponse{Status: "waiting", Position: pos})
	case statusInSession:
		return writeJSON(w, http.StatusOK, queueStatusResponse{Status: "matched", SessionID: v.session.id, PeerID: v.peerID})
	}
	return writeRaw(w, http.StatusOK, idleBody)
}

// sessionResponse is the body of GET /sessions/{id}.
type sessionResponse struct {
	ID        string    `json:"id"`
	Users     [2]string `json:"users"`
	StartedAt time.Time `json:"startedAt"`
	EndsAt    time.Time `json:"endsAt"`
	State     string    `json:"state"`
}

// participantSession returns session id if u participates in it.
func (s *Server) participantSession(u *user, id string) *session {
	ses := s.st.sessionByID(id)
	if ses == nil || !ses.has(u) {
		return nil
	}
	return ses
}

// handleSession serves GET /sessions/{id}.
func (s *Server) handleSession(w http.ResponseWriter, u *user, id string) int {
	ses := s.participantSession(u, id)
	if ses == nil {
		return writeError(w, errNoSession)
	}
	u.mu.Lock() // a participant's lock guards ended/endedAt for reading
	ended, endsAt := ses.ended, ses.endsAt()
	u.mu.Unlock()
	state := "active"
	if ended {
		state = "ended"
	}
	return writeJSON(w, http.StatusOK, sessionResponse{
		ID:        ses.id,
		Users:     [2]string{ses.users[0].id, ses.users[1].id},
		StartedAt: ses.startedAt.UTC(),
		EndsAt:    endsAt.UTC(),
		State:     state,
	})
}

// handleSessionEnd serves POST /sessions/{id}/end.
func (s *Server) handleSessionEnd(w http.ResponseWriter, u *user, id string) int {
	ses := s.participantSession(u, id)
	if ses == nil {
		return writeError(w, errNoSession)
	}
	s.st.endSession(ses, s.now())
	return writeRaw(w, http.StatusOK, endedBody)
}

// webhookResponse is the body of a 200 answer of POST /webhooks/stripe.
type webhookResponse struct {
	Received  bool   `json:"received"`
	Credited  int64  `json:"credited,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Ignored   string `json:"ignored,omitempty"`
}

// handleWebhook serves POST /webhooks/stripe.
func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) int {
	b, aerr := readBody(r)
	if aerr != nil {
		return s.bodyError(w, routeWebhook, aerr)
	}
	defer b.release()
	if aerr := verifySignature(b.b, r.Header.Get("Stripe-Signature"), s.secret, s.now()); aerr != nil {
		s.st.c.webhook[webhookRejected].Add(1)
		s.log.Debug("webhook rejected", "error", aerr.code)
		return writeError(w, aerr)
	}
	ev, aerr := parseEvent(b.b)
	if aerr != nil {
		s.st.c.webhook[webhookRejected].Add(1)
		s.log.Debug("webhook rejected", "error", aerr.code)
		return writeError(w, aerr)
	}
	out := s.st.applyEvent(&ev)
	s.st.c.webhook[out.result].Add(1)
	resp := webhookResponse{Received: true}
	switch out.result {
	case webhookCredited:
		resp.Credited = out.credited
	case webhookDuplicate:
		resp.Duplicate = true
	case webhookIgnored:
		resp.Ignored = out.reason
		s.log.Debug("webhook ignored", "event", ev.ID, "type", ev.Type, "reason", out.reason)
	}
	return writeJSON(w, http.StatusOK, resp)
}
