package openstack_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
	"github.com/accountsync/accountsync/provider/providertest"
)

// lastQuery returns the query of the last request for function, nil if
// there was none.
func lastQuery(srv *openstacktest.Server, function string) url.Values {
	reqs := srv.Requests(function)
	if len(reqs) == 0 {
		return nil
	}
	return reqs[len(reqs)-1].Query
}

func TestRedirectsToAnotherHostAreRefused(t *testing.T) {
	srv := openstacktest.NewServer(t, provider.Account{Domain: "alice.example"})
	providertest.RunRedirects(t, srv, newClient(t, testConfig(srv)))
}

func TestTLSSettingsAreNeverSilentlyIgnored(t *testing.T) {
	pin := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		build   func() error
		wantErr string // "" for success
	}{
		{"New refuses a pin with an http base URL", func() error {
			_, err := openstack.New(openstack.Config{BaseURL: "http://keystone.example:5000", Username: "u", Password: "p", ProjectName: "p", CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"New refuses InsecureSkipVerify with an http base URL", func() error {
			_, err := openstack.New(openstack.Config{BaseURL: "http://keystone.example:5000", Username: "u", Password: "p", ProjectName: "p", InsecureSkipVerify: true})
			return err
		}, "InsecureSkipVerify"},
		{"FromServer refuses a pin on a server that is not Secure", func() error {
			_, err := openstack.FromServer(provider.Server{Hostname: "panel.example", Username: "u", Password: "p", Params: map[string]string{"project": "p"}, CertSHA256: pin})
			return err
		}, "CertSHA256"},
		{"FromServer refuses an http URL on a Secure server", func() error {
			_, err := openstack.FromServer(provider.Server{Hostname: "http://panel.example:2087", Secure: true, Username: "u", Password: "p", Params: map[string]string{"project": "p"}})
			return err
		}, "Secure is true"},
		{"FromServer accepts a pin on a Secure server", func() error {
			_, err := openstack.FromServer(provider.Server{Hostname: "panel.example", Secure: true, Username: "u", Password: "p", Params: map[string]string{"project": "p"}, CertSHA256: pin})
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
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "openstack: ") {
				t.Fatalf("error = %v, want a openstack error naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestACatalogEndpointOverPlainHTTPIsRefusedWhenKeystoneIsHTTPS(t *testing.T) {
	var computeHits atomic.Int32
	compute := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		computeHits.Add(1)
		io.WriteString(w, `{"servers":[]}`)
	}))
	defer compute.Close()
	keystone := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Subject-Token", "token-that-must-stay-encrypted")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"token":{"expires_at":"2099-01-01T00:00:00Z","catalog":[{"type":"compute","endpoints":[`+
			`{"interface":"public","region_id":"RegionOne","url":"`+compute.URL+`/v2.1"}]}]}}`)
	}))
	defer keystone.Close()
	cfg := testConfig(openstacktest.NewServer(t))
	cfg.BaseURL = keystone.URL
	cfg.CertSHA256 = httpx.CertSHA256(keystone.Certificate().Raw)
	accts, err := newClient(t, cfg).ListAccounts(t.Context())
	if err == nil || accts != nil || !strings.Contains(err.Error(), "plain http while Keystone is reached over https") {
		t.Fatalf("ListAccounts = %d accounts, %v; want a refusal of the http endpoint", len(accts), err)
	}
	if strings.Contains(err.Error(), "token-that-must-stay-encrypted") {
		t.Errorf("error %q holds the token", err)
	}
	if computeHits.Load() != 0 {
		t.Errorf("the http compute endpoint received %d requests", computeHits.Load())
	}
}
