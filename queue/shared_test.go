package queue

import (
	"context"
	"net/http"
	"testing"
)

// recordDoer records the requests it is given and answers 200 {}.
type recordDoer struct{ reqs []*Request }

func (d *recordDoer) Do(_ context.Context, req *Request) (*Response, error) {
	d.reqs = append(d.reqs, req)
	return &Response{Status: http.StatusOK, Body: []byte(`{"userId":"u1","token":"t1","tokens":1}`)}, nil
}

// Clients of one configuration share their requests' tags, URLs and names;
// a user's requests share one header, and another user gets another.
func TestClientsShareRequestParts(t *testing.T) {
	d := &recordDoer{}
	a, _ := newTestClient(t, Config{BaseURL: "http://api.test/", Region: "eu", Doer: d})
	b, _ := newTestClient(t, Config{BaseURL: "http://api.test", Region: "eu", Doer: d})
	c, _ := newTestClient(t, Config{BaseURL: "http://api.test", Region: "us", Doer: d})
	if a.shared != b.shared || a.shared == c.shared {
		t.Fatal("clients of one configuration should share, others not")
	}
	ctx := context.Background()
	u1, u2 := User{UserID: "u1", Token: "t1"}, User{UserID: "u2", Token: "t2"}
	for _, u := range []User{u1, u1, u2} {
		if _, err := a.Balance(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Balance(ctx, u1); err != nil {
		t.Fatal(err)
	}
	r := d.reqs
	if len(r) != 4 || r[0].URL != "http://api.test/me" || r[0].Name != "GET /me" || r[0].Tags["region"] != "eu" || r[3].Tags["region"] != "us" {
		t.Fatalf("requests %+v", r)
	}
	if r[0].Header.Get("Authorization") != "Bearer t1" || r[2].Header.Get("Authorization") != "Bearer t2" {
		t.Fatalf("headers %v, %v", r[0].Header, r[2].Header)
	}
	if &r[0].Header["Authorization"][0] != &r[1].Header["Authorization"][0] {
		t.Error("one user's requests built two headers")
	}
}
