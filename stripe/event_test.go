package stripe_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stampede-load/stampede/stripe"
)

var idRe = regexp.MustCompile(`^evt_[0-9A-Za-z]{24}$`)

func TestNewEvent(t *testing.T) {
	created := time.Unix(1700000123, 0)
	tests := []struct {
		name    string
		typ     string
		object  map[string]any
		opts    stripe.EventOptions
		check   func(t *testing.T, m map[string]any)
		wantErr bool
	}{
		{name: "defaults", typ: "customer.created", object: map[string]any{"id": "cus_1", "object": "customer"},
			check: func(t *testing.T, m map[string]any) {
				if !idRe.MatchString(m["id"].(string)) {
					t.Errorf("id %q", m["id"])
				}
				if m["object"] != "event" || m["api_version"] != stripe.DefaultAPIVersion || m["livemode"] != false ||
					m["type"] != "customer.created" || m["pending_webhooks"] != 0.0 {
					t.Errorf("event = %v", m)
				}
				if c := m["created"].(float64); time.Since(time.Unix(int64(c), 0)) > time.Minute {
					t.Errorf("created = %v, want about now", c)
				}
				if obj := m["data"].(map[string]any)["object"].(map[string]any); obj["id"] != "cus_1" {
					t.Errorf("data.object = %v", obj)
				}
				req := m["request"].(map[string]any)
				if v, ok := req["id"]; !ok || v != nil {
					t.Errorf("request = %v, want {id: null, idempotency_key: null}", req)
				}
			}},
		{name: "options", typ: "x.y", opts: stripe.EventOptions{ID: "evt_custom", Created: created, APIVersion: "2020-08-27", Livemode: true},
			check: func(t *testing.T, m map[string]any) {
				if m["id"] != "evt_custom" || m["created"] != 1700000123.0 || m["api_version"] != "2020-08-27" || m["livemode"] != true {
					t.Errorf("event = %v", m)
				}
				if obj := m["data"].(map[string]any)["object"]; len(obj.(map[string]any)) != 0 {
					t.Errorf("nil object gave %v, want {}", obj)
				}
			}},
		{name: "clock", typ: "x.y", opts: stripe.EventOptions{Now: fixedNow(42)},
			check: func(t *testing.T, m map[string]any) {
				if m["created"] != 42.0 {
					t.Errorf("created = %v, want 42", m["created"])
				}
			}},
		{name: "empty type", typ: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := stripe.NewEvent(tt.typ, tt.object, tt.opts)
			if tt.wantErr {
				if !errors.Is(err, stripe.ErrInvalidEvent) {
					t.Fatalf("err = %v, want ErrInvalidEvent", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			tt.check(t, m)
		})
	}
}

func TestBuilders(t *testing.T) {
	t.Run("checkout defaults", func(t *testing.T) {
		ev, err := stripe.CheckoutCompleted(stripe.Purchase{UserID: "usr_1", Tokens: 3, Event: stripe.EventOptions{Now: fixedNow(99)}})
		if err != nil {
			t.Fatal(err)
		}
		o := ev.Data.Object
		if ev.Type != stripe.TypeCheckoutSessionCompleted || ev.Created != 99 || o["client_reference_id"] != "usr_1" ||
			o["metadata"].(map[string]any)["tokens"] != "3" || o["amount_total"] != int64(300) || o["currency"] != "usd" ||
			o["created"] != int64(99) || o["object"] != "checkout.session" {
			t.Fatalf("event %+v object %v", ev, o)
		}
	})
	t.Run("checkout livemode id", func(t *testing.T) {
		ev, err := stripe.CheckoutCompleted(stripe.Purchase{UserID: "usr_1", Tokens: 1, Event: stripe.EventOptions{Livemode: true}})
		if err != nil {
			t.Fatal(err)
		}
		if id := ev.Data.Object["id"].(string); !regexp.MustCompile(`^cs_live_[0-9A-Za-z]{24}$`).MatchString(id) || !ev.Livemode {
			t.Fatalf("id %q livemode %v", id, ev.Livemode)
		}
	})
	t.Run("payment intent", func(t *testing.T) {
		ev, err := stripe.PaymentIntentSucceeded(stripe.Purchase{UserID: "usr_2", Tokens: 1000, Event: stripe.EventOptions{ID: "evt_fixed"}})
		if err != nil {
			t.Fatal(err)
		}
		md := ev.Data.Object["metadata"].(map[string]any)
		if ev.ID != "evt_fixed" || md["user_id"] != "usr_2" || md["tokens"] != "1000" || ev.Data.Object["amount"] != int64(100000) {
			t.Fatalf("event %+v", ev)
		}
	})
	for name, build := range map[string]func(stripe.Purchase) (*stripe.Event, error){
		"checkout": stripe.CheckoutCompleted, "payment intent": stripe.PaymentIntentSucceeded,
	} {
		t.Run(name+" needs userId", func(t *testing.T) {
			if _, err := build(stripe.Purchase{Tokens: 1}); !errors.Is(err, stripe.ErrInvalidEvent) {
				t.Fatalf("err = %v, want ErrInvalidEvent", err)
			}
		})
	}
}

// Ids are unique across goroutines (VUs) and across generators (instances of
// a distributed run, each with its own random instance number).
func TestIDsUnique(t *testing.T) {
	const instances, goroutines, perGoroutine = 3, 8, 2000
	gens := make([]*stripe.IDGenerator, instances)
	for i := range gens {
		gens[i] = stripe.NewIDGenerator()
	}
	var mu sync.Mutex
	seen := make(map[string]bool, instances*goroutines*perGoroutine)
	var wg sync.WaitGroup
	for _, g := range gens {
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids := make([]string, perGoroutine)
				for i := range ids {
					ids[i] = g.New("evt")
				}
				mu.Lock()
				defer mu.Unlock()
				for _, id := range ids {
					if !idRe.MatchString(id) {
						t.Errorf("id %q does not look like a Stripe id", id)
					}
					if seen[id] {
						t.Errorf("duplicate id %q", id)
					}
					seen[id] = true
				}
			}()
		}
	}
	wg.Wait()
	if len(seen) != instances*goroutines*perGoroutine {
		t.Fatalf("%d unique ids, want %d", len(seen), instances*goroutines*perGoroutine)
	}
}
