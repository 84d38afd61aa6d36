package directadmin_test

import (
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
	"github.com/accountsync/accountsync/provider/providertest"
)

func TestRedirectsToAnotherHostAreRefused(t *testing.T) {
	srv := directadmintest.NewServer(t, provider.Account{Username: "alice", Domain: "alice.example"})
	c, err := directadmin.New(directadmin.Config{BaseURL: srv.URL, Username: directadmintest.Username, APIToken: directadmintest.Token, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	providertest.RunRedirects(t, srv, c)
}
