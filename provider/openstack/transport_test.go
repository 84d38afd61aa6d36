package openstack_test

import (
	"net/url"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
	"github.com/accountsync/accountsync/provider/providertest"
)

// lastQuery returns the query of the last request for function, nil if
// there was none.
func lastQuery(srv *openstacktest.Server, function string) url.Values {
	reqs := srv.Requests(function)
	if len(reqs) == 0 {
		return nil
	}
	return reqs[len(reqs)-1].Query
}

func TestRedirectsToAnotherHostAreRefused(t *testing.T) {
	srv := openstacktest.NewServer(t, provider.Account{Domain: "alice.example"})
	providertest.RunRedirects(t, srv, newClient(t, testConfig(srv)))
}
