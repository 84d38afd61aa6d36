package openstack_test

import (
	"testing"

	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
)

// BenchmarkListAccounts lists 10,000 servers from the fake in pages of
// 1,000 (Nova's default max_limit), with the token already issued: the
// figure is paging, decoding and mapping, plus the fake's own serving.
func BenchmarkListAccounts(b *testing.B) {
	const n = 10000
	srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(n)})
	b.Cleanup(srv.Close)
	c := newClient(b, testConfig(srv))
	if accts, err := c.ListAccounts(b.Context()); err != nil || len(accts) != n {
		b.Fatalf("ListAccounts = %d, %v", len(accts), err)
	}
	b.ReportAllocs()
	for b.Loop() {
		accts, err := c.ListAccounts(b.Context())
		if err != nil || len(accts) != n {
			b.Fatalf("ListAccounts = %d, %v", len(accts), err)
		}
	}
}
