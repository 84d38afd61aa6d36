package solusvm_test

import (
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
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

func TestTLSSettingsAreNeverSilentlyIgnored(t *testing.T) {
	pin := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		build   func() error
		wantErr string // "" for success
	}{
		{"New refuses a pin with an http base URL", func() error {
			_, err := solusvm.New(solusvm.Config{BaseURL: "http://master.example:5353", Username: "id", APIToken: "k", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"New refuses InsecureSkipVerify with an http base URL", func() error {
			_, err := solusvm.New(solusvm.Config{BaseURL: "http://master.example:5353", Username: "id", APIToken: "k", InsecureSkipVerify: true})
			return err
		}, "InsecureSkipVerify"},
		{"FromServer refuses a pin on a server that is not Secure", func() error {
			_, err := solusvm.FromServer(provider.Server{Hostname: "panel.example", Username: "id", Password: "k", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"FromServer refuses an http URL on a Secure server", func() error {
			_, err := solusvm.FromServer(provider.Server{Hostname: "http://panel.example:2087", Secure: true, Username: "id", Password: "k"})
			return err
		}, "Secure is true"},
		{"FromServer accepts a pin on a Secure server", func() error {
			_, err := solusvm.FromServer(provider.Server{Hostname: "panel.example", Secure: true, Username: "id", Password: "k", CertSHA256: pin})
			return err
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.build()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "solusvm: ") {
				t.Fatalf("error = %v, want a solusvm error naming %q", err, tt.wantErr)
			}
		})
	}
}
