package cpanel_test

import (
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/provider/providertest"
)

func TestRedirectsToAnotherHostAreRefused(t *testing.T) {
	srv := cpaneltest.NewServer(t, provider.Account{Username: "alice", Domain: "alice.example"})
	c, err := cpanel.New(cpanel.Config{BaseURL: srv.URL, APIToken: cpaneltest.Token, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	providertest.RunRedirects(t, srv, c)
}
