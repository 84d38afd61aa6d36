package proxmox_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	"github.com/accountsync/accountsync/provider/proxmox"
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

func TestTLSSettingsAreNeverSilentlyIgnored(t *testing.T) {
	pin := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		build   func() error
		wantErr string // "" for success
	}{
		{"New refuses a pin with an http base URL", func() error {
			_, err := proxmox.New(proxmox.Config{BaseURL: "http://pve.example:8006", Username: "root@pam!t", APIToken: "T", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"New refuses InsecureSkipVerify with an http base URL", func() error {
			_, err := proxmox.New(proxmox.Config{BaseURL: "http://pve.example:8006", Username: "root@pam!t", APIToken: "T", InsecureSkipVerify: true})
			return err
		}, "InsecureSkipVerify"},
		{"FromServer refuses a pin on a server that is not Secure", func() error {
			_, err := proxmox.FromServer(provider.Server{Hostname: "panel.example", Username: "root@pam!t", AccessHash: "T", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"FromServer refuses an http URL on a Secure server", func() error {
			_, err := proxmox.FromServer(provider.Server{Hostname: "http://panel.example:2087", Secure: true, Username: "root@pam!t", AccessHash: "T"})
			return err
		}, "Secure is true"},
		{"FromServer accepts a pin on a Secure server", func() error {
			_, err := proxmox.FromServer(provider.Server{Hostname: "panel.example", Secure: true, Username: "root@pam!t", AccessHash: "T", CertSHA256: pin})
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
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "proxmox: ") {
				t.Fatalf("error = %v, want a proxmox error naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestFromServerRefusesUnknownParams(t *testing.T) {
	_, err := proxmox.FromServer(provider.Server{Name: "pve", Hostname: "pve.example", Secure: true, Username: "root@pam!t", AccessHash: "T",
		Params: map[string]string{"location": "UTC"}})
	if err == nil || !strings.Contains(err.Error(), `unknown param "location"`) || !strings.Contains(err.Error(), "timezone") {
		t.Fatalf("err = %v, want location refused and timezone named", err)
	}
}
