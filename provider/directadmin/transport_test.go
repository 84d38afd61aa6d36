package directadmin_test

import (
	"strings"
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

func TestTLSSettingsAreNeverSilentlyIgnored(t *testing.T) {
	pin := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		build   func() error
		wantErr string // "" for success
	}{
		{"New refuses a pin with an http base URL", func() error {
			_, err := directadmin.New(directadmin.Config{BaseURL: "http://da.example:2222", Username: "admin", APIToken: "T", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"New refuses InsecureSkipVerify with an http base URL", func() error {
			_, err := directadmin.New(directadmin.Config{BaseURL: "http://da.example:2222", Username: "admin", APIToken: "T", InsecureSkipVerify: true})
			return err
		}, "InsecureSkipVerify"},
		{"FromServer refuses a pin on a server that is not Secure", func() error {
			_, err := directadmin.FromServer(provider.Server{Hostname: "panel.example", Username: "admin", AccessHash: "T", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"FromServer refuses an http URL on a Secure server", func() error {
			_, err := directadmin.FromServer(provider.Server{Hostname: "http://panel.example:2087", Secure: true, Username: "admin", AccessHash: "T"})
			return err
		}, "Secure is true"},
		{"FromServer accepts a pin on a Secure server", func() error {
			_, err := directadmin.FromServer(provider.Server{Hostname: "panel.example", Secure: true, Username: "admin", AccessHash: "T", CertSHA256: pin})
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
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "directadmin: ") {
				t.Fatalf("error = %v, want a directadmin error naming %q", err, tt.wantErr)
			}
		})
	}
}
