package proxmox_test

import (
	"net/url"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

// received returns the parameters (query and form, merged) of every
// request for fn, in order.
func received(srv *proxmoxtest.Server, fn string) []url.Values {
	var out []url.Values
	for _, r := range srv.Requests(fn) {
		v := url.Values{}
		for k, vs := range r.Query {
			v[k] = append(v[k], vs...)
		}
		for k, vs := range r.Form {
			v[k] = append(v[k], vs...)
		}
		out = append(out, v)
	}
	return out
}

func TestRedirectsToAnotherHostAreRefused(t *testing.T) {
	for _, tt := range []struct {
		name   string
		ticket bool
	}{{"with an API token", false}, {"with a ticket login", true}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := proxmoxtest.NewServer(t, provider.Account{Domain: "alice.example", UniqueIdentifier: "101"})
			cfg := testConfig(srv, nil)
			if tt.ticket {
				cfg = ticketConfig(srv, nil)
			}
			providertest.RunRedirects(t, srv, newClient(t, cfg))
		})
	}
}
