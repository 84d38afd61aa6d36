package plesk_test

import (
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
	"github.com/accountsync/accountsync/provider/providertest"
)

// lastRequest returns the body of the last request that carried function.
func lastRequest(srv *plesktest.Server, function string) []byte {
	reqs := srv.Requests(function)
	if len(reqs) == 0 {
		return nil
	}
	return reqs[len(reqs)-1].Body
}

func TestRedirectsToAnotherHostAreRefused(t *testing.T) {
	srv := plesktest.NewServer(t, provider.Account{Domain: "alice.example", Username: "alice"})
	c, err := plesk.New(plesk.Config{BaseURL: srv.URL, APIToken: plesktest.Token, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	providertest.RunRedirects(t, srv, c)
}
