package solusvm_test

import (
	"testing"

	"github.com/accountsync/accountsync/provider/providertest"
	"github.com/accountsync/accountsync/provider/solusvm"
	"github.com/accountsync/accountsync/provider/solusvm/solusvmtest"
)

// lastRequest returns the last request the fake received for function.
func lastRequest(srv *solusvmtest.Server, function string) providertest.Request {
	reqs := srv.Requests(function)
	if len(reqs) == 0 {
		return providertest.Request{}
	}
	return reqs[len(reqs)-1]
}

func TestRedirectsToAnotherHostAreRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  func(*solusvmtest.Server) solusvm.Config
	}{{"SolusVM 1", v1Config}, {"SolusVM 2", v2Config}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := solusvmtest.NewServer(t, seed()...)
			providertest.RunRedirects(t, srv, newClient(t, tt.cfg(srv)))
		})
	}
}
