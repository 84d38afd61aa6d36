package plesk_test

import (
	"strings"
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

func TestTLSSettingsAreNeverSilentlyIgnored(t *testing.T) {
	pin := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		build   func() error
		wantErr string // "" for success
	}{
		{"New refuses a pin with an http base URL", func() error {
			_, err := plesk.New(plesk.Config{BaseURL: "http://plesk.example:8880", APIToken: "T", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"New refuses InsecureSkipVerify with an http base URL", func() error {
			_, err := plesk.New(plesk.Config{BaseURL: "http://plesk.example:8880", APIToken: "T", InsecureSkipVerify: true})
			return err
		}, "InsecureSkipVerify"},
		{"FromServer refuses a pin on a server that is not Secure", func() error {
			_, err := plesk.FromServer(provider.Server{Hostname: "panel.example", AccessHash: "T", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"FromServer refuses an http URL on a Secure server", func() error {
			_, err := plesk.FromServer(provider.Server{Hostname: "http://panel.example:2087", Secure: true, AccessHash: "T"})
			return err
		}, "Secure is true"},
		{"FromServer accepts a pin on a Secure server", func() error {
			_, err := plesk.FromServer(provider.Server{Hostname: "panel.example", Secure: true, AccessHash: "T", CertSHA256: pin})
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
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "plesk: ") {
				t.Fatalf("error = %v, want a plesk error naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestFromServerRefusesUnknownParams(t *testing.T) {
	_, err := plesk.FromServer(provider.Server{Name: "p1", Hostname: "plesk.example", Secure: true, AccessHash: "T",
		Params: map[string]string{"location": "UTC", "ip_address": "192.0.2.1"}})
	if err == nil || !strings.Contains(err.Error(), `unknown params "ip_address", "location" (known: ip, timezone, version)`) {
		t.Fatalf("err = %v, want the old keys refused with the known ones named", err)
	}
}
