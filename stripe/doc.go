// Package stripe signs, verifies and builds Stripe webhook events, so a load
// test can play the part of Stripe against a staging endpoint.
//
// It is a plain Go library (no JavaScript involved); the k6/x/stripe module
// (package js/x/stripe) exposes it to scripts.
//
// Signatures follow Stripe's v1 scheme: the header
//
//	Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=<hex>...]
//
// signs the string "<t>.<raw body>" with the endpoint secret ("whsec_...").
// Several v1 entries are valid if any matches (secret rotation); other
// schemes (v0) are ignored when verifying. Headers produced here are accepted
// by github.com/stripe/stripe-go's webhook package and vice versa.
//
// The endpoint secret is carried as a Secret, which prints and marshals as
// "<redacted>", and no error of this package contains it.
package stripe
