package cpanel_test

import (
	"strings"
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

func TestTLSSettingsAreNeverSilentlyIgnored(t *testing.T) {
	pin := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		build   func() error
		wantErr string // "" for success
	}{
		{"New refuses a pin with an http base URL", func() error {
			_, err := cpanel.New(cpanel.Config{BaseURL: "http://whm.example:2086", APIToken: "T", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"New refuses InsecureSkipVerify with an http base URL", func() error {
			_, err := cpanel.New(cpanel.Config{BaseURL: "http://whm.example:2086", APIToken: "T", InsecureSkipVerify: true})
			return err
		}, "InsecureSkipVerify"},
		{"FromServer refuses a pin on a server that is not Secure", func() error {
			_, err := cpanel.FromServer(provider.Server{Hostname: "whm.example", AccessHash: "T", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"FromServer refuses an http URL on a Secure server", func() error {
			_, err := cpanel.FromServer(provider.Server{Hostname: "http://whm.example:2087", Secure: true, AccessHash: "T"})
			return err
		}, "Secure is true"},
		{"FromServer accepts a pin on a Secure server", func() error {
			_, err := cpanel.FromServer(provider.Server{Hostname: "whm.example", Secure: true, AccessHash: "T", CertSHA256: pin})
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
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "cpanel: ") {
				t.Fatalf("error = %v, want a cpanel error naming %q", err, tt.wantErr)
			}
		})
	}
}
