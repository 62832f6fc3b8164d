package target

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
)

// Errors of the webhook endpoint; shared values, never mutated.
var (
	errSignatureHeader = &apiError{400, "invalid_signature_header", "missing or malformed Stripe-Signature header (want t=<unix>,v1=<hex>)"}
	errSignatureOld    = &apiError{400, "signature_expired", "the Stripe-Signature timestamp is older than the 300 s tolerance"}
	errSignature       = &apiError{400, "invalid_signature", "no v1 signature in Stripe-Signature matches the payload"}
)

// Handled Stripe event types.
const (
	eventCheckoutCompleted = "checkout.session.completed"
	eventPaymentSucceeded  = "payment_intent.succeeded"
)

// Reasons reported in {"received": true, "ignored": "<reason>"}.
const (
	ignoredEventType     = "unhandled_event_type"
	ignoredMissingUser   = "missing_user"
	ignoredUnknownUser   = "unknown_user"
	ignoredInvalidTokens = "invalid_tokens"
	ignoredMalformed     = "malformed_object"
)

// maxTokensPerEvent is the most tokens one purchase may credit.
const maxTokensPerEvent = 1000

// signatureTimestamp checks the shape of a Stripe-Signature header the way
// stripe-go parses it (comma-separated key=value pairs, "t" a unix time, at
// least one hex "v1"; other schemes ignored) and returns its timestamp. A
// header without t or without a usable v1 is malformed.
func signatureTimestamp(header string) (int64, bool) {
	if header == "" {
		return 0, false
	}
	var ts int64
	hasT, hasV1 := false, false
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || strings.IndexByte(v, '=') >= 0 {
			return 0, false
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, false
			}
			ts, hasT = n, true
		case "v1":
			if isHex(v) {
				hasV1 = true
			}
		}
	}
	return ts, hasT && hasV1
}

// isHex reports whether s is a non-empty, even-length hex string.
func isHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// verifySignature checks payload against the Stripe-Signature header at
// time now. The tolerance is checked against the server's clock (so tests
// can pin time); the HMAC comparison, including secret rotation with several
// v1 entries, is stripe-go's.
func verifySignature(payload []byte, header string, secret Secret, now time.Time) *apiError {
	ts, ok := signatureTimestamp(header)
	if !ok {
		return errSignatureHeader
	}
	if now.Sub(time.Unix(ts, 0)) > WebhookTolerance {
		return errSignatureOld
	}
	err := webhook.ValidatePayloadIgnoringTolerance(payload, header, secret.Reveal())
	switch {
	case err == nil:
		return nil
	case errors.Is(err, webhook.ErrNoValidSignature):
		return errSignature
	case errors.Is(err, webhook.ErrTooOld):
		return errSignatureOld
	default: // webhook.ErrNotSigned, webhook.ErrInvalidHeader
		return errSignatureHeader
	}
}

// stripeEvent is the part of a Stripe event envelope the target reads.
type stripeEvent struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	Type   string `json:"type"`
	Data   *struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// eventObject is the part of data.object the handled event types read.
type eventObject struct {
	ClientReferenceID *string `json:"client_reference_id"`
	Metadata          struct {
		Tokens *string `json:"tokens"`
		UserID *string `json:"user_id"`
	} `json:"metadata"`
}

// parseEvent decodes a verified payload as a Stripe event envelope.
func parseEvent(payload []byte) (stripeEvent, *apiError) {
	var ev stripeEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return ev, &apiError{400, "invalid_event", "body is not a Stripe event: " + jsonProblem(err)}
	}
	switch {
	case ev.ID == "":
		return ev, &apiError{400, "invalid_event", "body is not a Stripe event: missing \"id\""}
	case ev.Type == "":
		return ev, &apiError{400, "invalid_event", "body is not a Stripe event: missing \"type\""}
	case ev.Object != "" && ev.Object != "event":
		return ev, &apiError{400, "invalid_event", "body is not a Stripe event: \"object\" is not \"event\""}
	case ev.Data == nil || len(ev.Data.Object) == 0 || ev.Data.Object[0] != '{':
		return ev, &apiError{400, "invalid_event", "body is not a Stripe event: \"data.object\" must be an object"}
	}
	return ev, nil
}

// parseTokens parses a purchase's token count: a decimal string, 1..1000.
func parseTokens(s *string) (int64, bool) {
	if s == nil || len(*s) == 0 || len(*s) > 4 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(*s); i++ {
		c := (*s)[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n >= 1 && n <= maxTokensPerEvent
}

// webhookOutcome is the 200 answer of a verified, well-formed event.
type webhookOutcome struct {
	result   webhookResult
	credited int64
	reason   string // for webhookIgnored
}

// applyEvent credits a verified event at most once per event id.
func (st *store) applyEvent(ev *stripeEvent) webhookOutcome {
	if !st.claimEvent(ev.ID) {
		return webhookOutcome{result: webhookDuplicate}
	}
	if ev.Type != eventCheckoutCompleted && ev.Type != eventPaymentSucceeded {
		return webhookOutcome{result: webhookIgnored, reason: ignoredEventType}
	}
	var obj eventObject
	if err := json.Unmarshal(ev.Data.Object, &obj); err != nil {
		return webhookOutcome{result: webhookIgnored, reason: ignoredMalformed}
	}
	userID := obj.Metadata.UserID
	if ev.Type == eventCheckoutCompleted {
		userID = obj.ClientReferenceID
	}
	if userID == nil || *userID == "" {
		return webhookOutcome{result: webhookIgnored, reason: ignoredMissingUser}
	}
	n, ok := parseTokens(obj.Metadata.Tokens)
	if !ok {
		return webhookOutcome{result: webhookIgnored, reason: ignoredInvalidTokens}
	}
	u := st.userByID(*userID)
	if u == nil {
		return webhookOutcome{result: webhookIgnored, reason: ignoredUnknownUser}
	}
	st.credit(u, n)
	return webhookOutcome{result: webhookCredited, credited: n}
}
