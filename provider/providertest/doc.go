// Package providertest is the conformance kit for [provider.Provider]
// implementations, ours and third parties' alike, and an in-memory
// reference provider.
//
// # Proving a provider
//
// A provider package runs [Run] in its own tests, against a fake of its
// panel's API, with one named subtest per rule of the contract:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, func(t *testing.T) provider.Provider {
//			srv := cpaneltest.NewServer(t, seed...)
//			c, err := cpanel.New(cpanel.Config{BaseURL: srv.URL, Username: "root", APIToken: cpaneltest.Token})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return c
//		}, providertest.Options{})
//	}
//
// Optional capabilities are checked when the provider has them: create then
// list shows the account; create twice gives provider.ErrExists; terminate,
// suspend and unsuspend are idempotent and the listing shows their effect.
//
// # The fake
//
// [NewFake] returns a [Fake]: a provider with every capability, kept in
// memory, with knobs that fail the next listing, fail a listing after N
// pages, delay every call or fail a named operation. Code that consumes
// providers, such as the sync engine, tests against it.
package providertest
