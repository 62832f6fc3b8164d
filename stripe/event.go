package stripe

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// DefaultAPIVersion is the api_version events get unless told otherwise: the
// version github.com/stripe/stripe-go/v82 expects, so its ConstructEvent
// accepts our events without IgnoreAPIVersionMismatch.
const DefaultAPIVersion = "2025-08-27.basil"

// Event types the staging API handles (see shared/spec/staging-api.md).
const (
	TypeCheckoutSessionCompleted = "checkout.session.completed"
	TypePaymentIntentSucceeded   = "payment_intent.succeeded"
)

// DefaultCurrency is the currency of built events unless told otherwise.
const DefaultCurrency = "usd"

// DefaultUnitAmount is the price of one token, in the currency's smallest
// unit (cents), used when a builder is given no amount.
const DefaultUnitAmount = 100

// ErrInvalidEvent is wrapped by the errors of the event constructors.
var ErrInvalidEvent = errors.New("invalid stripe event")

// Event is a Stripe event object as delivered to a webhook endpoint. Its JSON
// form has the fields and names of Stripe's API.
type Event struct {
	ID              string       `json:"id"`
	Object          string       `json:"object"` // always "event"
	APIVersion      string       `json:"api_version"`
	Created         int64        `json:"created"` // Unix seconds
	Data            EventData    `json:"data"`
	Livemode        bool         `json:"livemode"`
	PendingWebhooks int          `json:"pending_webhooks"`
	Request         EventRequest `json:"request"`
	Type            string       `json:"type"`
}

// EventData holds the object the event is about.
type EventData struct {
	Object map[string]any `json:"object"`
}

// EventRequest is the API request that caused the event; both fields are
// null for events built here, as for events Stripe creates on its own.
type EventRequest struct {
	ID             *string `json:"id"`
	IdempotencyKey *string `json:"idempotency_key"`
}

// EventOptions tune NewEvent and the builders. The zero value gives a fresh
// unique id, the current time, DefaultAPIVersion and test mode.
type EventOptions struct {
	// ID is the event id; "" means a new unique "evt_" id from IDs.
	ID string
	// Created is the event's creation time; zero means Now().
	Created time.Time
	// APIVersion is the event's api_version; "" means DefaultAPIVersion.
	APIVersion string
	// Livemode marks a live-mode event (test mode when false).
	Livemode bool
	// Now is the clock used when Created is zero; nil means time.Now.
	Now func() time.Time
}

func (o EventOptions) created() int64 {
	if !o.Created.IsZero() {
		return o.Created.Unix()
	}
	if o.Now != nil {
		return o.Now().Unix()
	}
	return time.Now().Unix()
}

// NewEvent returns an event of type typ about object (a Stripe object such as
// a checkout.session, as a JSON-able map). object may be nil (then {}).
func NewEvent(typ string, object map[string]any, opts EventOptions) (*Event, error) {
	if typ == "" {
		return nil, fmt.Errorf("%w: the event type is empty (want e.g. %q)", ErrInvalidEvent, TypeCheckoutSessionCompleted)
	}
	if object == nil {
		object = map[string]any{}
	}
	e := &Event{
		ID:         opts.ID,
		Object:     "event",
		APIVersion: opts.APIVersion,
		Created:    opts.created(),
		Data:       EventData{Object: object},
		Livemode:   opts.Livemode,
		Type:       typ,
	}
	if e.ID == "" {
		e.ID = IDs.New("evt")
	}
	if e.APIVersion == "" {
		e.APIVersion = DefaultAPIVersion
	}
	return e, nil
}

// Purchase describes a token purchase, the input of CheckoutCompleted and
// PaymentIntentSucceeded.
type Purchase struct {
	// UserID is the staging API's user id ("usr_..."); required.
	UserID string
	// Tokens is the number of tokens bought; it becomes metadata.tokens as a
	// decimal string. The staging API accepts 1..1000; other values are
	// allowed here so that scripts can test the rejection.
	Tokens int64
	// Amount is the amount charged in the currency's smallest unit; nil means
	// Tokens * DefaultUnitAmount.
	Amount *int64
	// Currency is a three-letter ISO code; "" means DefaultCurrency.
	Currency string
	// Metadata is merged into the object's metadata (the builder's own keys win).
	Metadata map[string]string
	// Event tunes the enclosing event.
	Event EventOptions
}

func (p Purchase) validate() error {
	if p.UserID == "" {
		return fmt.Errorf("%w: userId is required", ErrInvalidEvent)
	}
	return nil
}

func (p Purchase) amount() int64 {
	if p.Amount != nil {
		return *p.Amount
	}
	return p.Tokens * DefaultUnitAmount
}

func (p Purchase) currency() string {
	if p.Currency == "" {
		return DefaultCurrency
	}
	return p.Currency
}

func (p Purchase) metadata(own map[string]string) map[string]any {
	m := make(map[string]any, len(p.Metadata)+len(own))
	for k, v := range p.Metadata {
		m[k] = v
	}
	for k, v := range own {
		m[k] = v
	}
	return m
}

// CheckoutCompleted builds a checkout.session.completed event whose session
// has client_reference_id = UserID and metadata.tokens = Tokens, as the
// staging API expects.
func CheckoutCompleted(p Purchase) (*Event, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	created := p.Event.created()
	amount := p.amount()
	mode := "test"
	if p.Event.Livemode {
		mode = "live"
	}
	session := map[string]any{
		"id":                  IDs.New("cs_" + mode),
		"object":              "checkout.session",
		"amount_subtotal":     amount,
		"amount_total":        amount,
		"client_reference_id": p.UserID,
		"created":             created,
		"currency":            p.currency(),
		"customer":            nil,
		"livemode":            p.Event.Livemode,
		"metadata":            p.metadata(map[string]string{"tokens": strconv.FormatInt(p.Tokens, 10)}),
		"mode":                "payment",
		"payment_intent":      IDs.New("pi"),
		"payment_status":      "paid",
		"status":              "complete",
	}
	opts := p.Event
	opts.Created = time.Unix(created, 0)
	return NewEvent(TypeCheckoutSessionCompleted, session, opts)
}

// PaymentIntentSucceeded builds a payment_intent.succeeded event whose
// payment intent has metadata.user_id = UserID and metadata.tokens = Tokens.
func PaymentIntentSucceeded(p Purchase) (*Event, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	created := p.Event.created()
	amount := p.amount()
	intent := map[string]any{
		"id":              IDs.New("pi"),
		"object":          "payment_intent",
		"amount":          amount,
		"amount_received": amount,
		"created":         created,
		"currency":        p.currency(),
		"livemode":        p.Event.Livemode,
		"metadata": p.metadata(map[string]string{
			"user_id": p.UserID,
			"tokens":  strconv.FormatInt(p.Tokens, 10),
		}),
		"status": "succeeded",
	}
	opts := p.Event
	opts.Created = time.Unix(created, 0)
	return NewEvent(TypePaymentIntentSucceeded, intent, opts)
}

// IDs is the process-wide generator of object ids (NewEvent, the builders).
var IDs = NewIDGenerator()

// IDGenerator makes Stripe-looking ids ("evt_" + 24 letters and digits) that
// are unique without coordination: each generator draws a random 64-bit
// instance number from crypto/rand and appends an atomic counter, so ids never
// repeat within a process (any number of VUs) and repeat across the instances
// of a distributed run only if two instances draw the same 64-bit number.
// It is safe for concurrent use.
type IDGenerator struct {
	instance [11]byte // base62 of the random instance number
	counter  atomic.Uint64
}

// NewIDGenerator returns a generator with a fresh random instance number.
func NewIDGenerator() *IDGenerator {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("stripe: reading random instance id: %v", err)) // crypto/rand does not fail on supported platforms
	}
	g := &IDGenerator{}
	base62(g.instance[:], binary.LittleEndian.Uint64(b[:]))
	return g
}

const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62 writes v into dst as fixed-width base62, most significant first.
func base62(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = base62Digits[v%62]
		v /= 62
	}
}

// New returns a new id "<prefix>_<24 letters and digits>".
func (g *IDGenerator) New(prefix string) string {
	n := g.counter.Add(1)
	buf := make([]byte, 0, len(prefix)+1+24)
	buf = append(buf, prefix...)
	buf = append(buf, '_')
	buf = append(buf, g.instance[:]...)
	var c [13]byte
	base62(c[:], n)
	buf = append(buf, c[:]...)
	return string(buf)
}
