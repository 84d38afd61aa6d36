package openstack_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
)

func TestNewNamesTheMissingField(t *testing.T) {
	tests := []struct {
		name string
		cfg  openstack.Config
		want string
	}{
		{"a config without BaseURL is refused", openstack.Config{Username: "u", Password: "p", ProjectName: "x"}, "Config.BaseURL"},
		{"a password config without a password is refused", openstack.Config{BaseURL: "http://127.0.0.1:5000", Username: "u", ProjectName: "x"}, "Config.Password"},
		{"a password config without a user is refused", openstack.Config{BaseURL: "http://127.0.0.1:5000", Password: "p", ProjectName: "x"}, "Config.Username or Config.UserID"},
		{"a password config without a project is refused", openstack.Config{BaseURL: "http://127.0.0.1:5000", Username: "u", Password: "p"}, "Config.ProjectName or Config.ProjectID"},
		{"an application credential without its secret is refused", openstack.Config{BaseURL: "http://127.0.0.1:5000", ApplicationCredentialID: "ac"}, "Config.APIToken"},
		{"an unknown interface is refused", openstack.Config{BaseURL: "http://127.0.0.1:5000", Username: "u", Password: "p", ProjectName: "x", Interface: "private"}, "Config.Interface"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openstack.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want an error naming %s", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "openstack: ") {
				t.Errorf("error %q lacks the openstack: prefix", err)
			}
		})
	}
}

func TestConfigStringMasksSecrets(t *testing.T) {
	cfg := openstack.Config{BaseURL: "http://127.0.0.1:5000", Username: "u", Password: "hunter2-secret", APIToken: "tok-secret-9"}
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg.LogValue())} {
		if strings.Contains(s, "hunter2-secret") || strings.Contains(s, "tok-secret-9") {
			t.Errorf("%s shows a secret", s)
		}
		if !strings.Contains(s, "REDACTED") {
			t.Errorf("%s does not say a secret is set", s)
		}
	}
}

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*openstack.Config, string)
		wantErr error
	}{
		{"a user and project by name in the default domain authenticate", func(*openstack.Config, string) {}, nil},
		{"a user and project by id authenticate", func(c *openstack.Config, _ string) {
			c.Username, c.ProjectName = "", ""
			c.UserID, c.ProjectID = openstacktest.UserID, openstacktest.ProjectID
		}, nil},
		{"a domain given by name authenticates", func(c *openstack.Config, _ string) { c.DomainName = openstacktest.DomainName }, nil},
		{"a separate project domain authenticates", func(c *openstack.Config, _ string) {
			c.DomainID, c.ProjectDomainName = openstacktest.DomainID, openstacktest.DomainName
		}, nil},
		{"an application credential authenticates without a scope", func(c *openstack.Config, _ string) {
			*c = openstack.Config{BaseURL: c.BaseURL, ApplicationCredentialID: openstacktest.ApplicationCredentialID,
				APIToken: openstacktest.ApplicationCredentialSecret, RateLimit: -1}
		}, nil},
		{"a Keystone URL ending in /v3 authenticates", func(c *openstack.Config, url string) { c.BaseURL = url + "/v3" }, nil},
		{"a wrong password gives ErrUnauthorized", func(c *openstack.Config, _ string) { c.Password = "Wrong-Passw0rd!" }, provider.ErrUnauthorized},
		{"a wrong domain gives ErrUnauthorized", func(c *openstack.Config, _ string) { c.DomainName = "Customers" }, provider.ErrUnauthorized},
		{"a wrong application credential secret gives ErrUnauthorized", func(c *openstack.Config, _ string) {
			*c = openstack.Config{BaseURL: c.BaseURL, ApplicationCredentialID: openstacktest.ApplicationCredentialID,
				APIToken: "Not-The-Secret-42", RateLimit: -1}
		}, provider.ErrUnauthorized},
		{"another interface's endpoint is used when asked", func(c *openstack.Config, _ string) { c.Interface = "internal" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openstacktest.NewServer(t, seed...)
			cfg := testConfig(srv)
			tt.edit(&cfg, srv.URL)
			c := newClient(t, cfg)
			accts, err := c.ListAccounts(t.Context())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("ListAccounts: %v", err)
				}
				if len(accts) != len(seed) {
					t.Errorf("listed %d accounts, want %d", len(accts), len(seed))
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || accts != nil {
				t.Fatalf("ListAccounts = %d accounts, %v; want no accounts and %v", len(accts), err, tt.wantErr)
			}
			for _, secret := range []string{cfg.Password, cfg.APIToken} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("the error %q shows a secret", err)
				}
			}
			if got := srv.Calls(openstacktest.FuncAuth); got != 1 {
				t.Errorf("refused credentials were sent %d times, want once (panels lock out repeated failures)", got)
			}
		})
	}
}

func TestCatalogRegions(t *testing.T) {
	tests := []struct {
		name    string
		region  string
		wantErr string
	}{
		{"without a region, two regions are ambiguous", "", "set Config.Region (regions: RegionOne, RegionTwo)"},
		{"a named region is used", "RegionTwo", ""},
		{"an unknown region names the known ones", "Nowhere", `no public compute endpoint in region "Nowhere"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openstacktest.New(openstacktest.Options{Accounts: seed, Regions: []string{"RegionOne", "RegionTwo"}})
			t.Cleanup(srv.Close)
			cfg := testConfig(srv)
			cfg.Region = tt.region
			accts, err := newClient(t, cfg).ListAccounts(t.Context())
			if tt.wantErr == "" {
				if err != nil || len(accts) != len(seed) {
					t.Fatalf("ListAccounts = %d, %v", len(accts), err)
				}
				if q := lastQuery(srv, openstacktest.FuncListServers); q == nil {
					t.Error("no listing reached the fake")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ListAccounts error %v, want one containing %q", err, tt.wantErr)
			}
			if !errors.Is(err, provider.ErrNotSupported) {
				t.Errorf("error %v does not match ErrNotSupported", err)
			}
		})
	}
}

func TestAnExpiredTokenIsRenewedOnceForConcurrentCalls(t *testing.T) {
	srv := openstacktest.NewServer(t, seed...)
	c := newClient(t, testConfig(srv))
	listConcurrently := func() {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				accts, err := c.ListAccounts(t.Context())
				if err == nil && len(accts) != len(seed) {
					err = fmt.Errorf("listed %d accounts, want %d", len(accts), len(seed))
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	listConcurrently()
	if got := srv.Calls(openstacktest.FuncAuth); got != 1 {
		t.Fatalf("8 concurrent first calls authenticated %d times, want 1", got)
	}
	srv.ExpireTokens()
	listConcurrently()
	if got := srv.Calls(openstacktest.FuncAuth); got != 2 {
		t.Fatalf("8 concurrent calls with an expired token authenticated %d more times, want 1", got-1)
	}
}

func TestATokenRefusedTwiceIsUnauthorized(t *testing.T) {
	srv := openstacktest.NewServer(t, seed...)
	c := newClient(t, testConfig(srv))
	srv.SetFault(openstacktest.FaultTokenExpired)
	accts, err := c.ListAccounts(t.Context())
	if !errors.Is(err, provider.ErrUnauthorized) || accts != nil {
		t.Fatalf("ListAccounts = %d accounts, %v; want ErrUnauthorized", len(accts), err)
	}
	if got := srv.Calls(openstacktest.FuncAuth); got != 2 {
		t.Errorf("authenticated %d times, want 2 (the first token and one renewal)", got)
	}
}

func TestACancelledCallDoesNotAbandonOthersWaitingForAToken(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{Accounts: seed})
	t.Cleanup(srv.Close)
	c := newClient(t, testConfig(srv))
	// The first authentication hangs until its caller gives up; the caller
	// waiting behind it must then authenticate itself and succeed.
	srv.FailNext(openstacktest.FaultSlow, 1)
	ctx, cancel := context.WithCancel(t.Context())
	leader := make(chan error, 1)
	go func() {
		_, err := c.ListAccounts(ctx)
		leader <- err
	}()
	for srv.Calls(openstacktest.FuncAuth) == 0 {
		// wait until the leader's authentication is in flight
		select {
		case err := <-leader:
			t.Fatalf("the first call returned early: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	follower := make(chan error, 1)
	go func() {
		_, err := c.ListAccounts(t.Context())
		follower <- err
	}()
	// Give the second call time to queue behind the first authentication;
	// it must succeed whether or not it got there first.
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-leader; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled call returned %v, want context.Canceled", err)
	}
	if err := <-follower; err != nil {
		t.Fatalf("the waiting call failed with its leader: %v", err)
	}
}

func TestFromServer(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{Accounts: append(seed[:1:1], provider.Account{
		Domain: "other-project.example", Product: "m1.small", Extra: map[string]string{"tenant_id": "another-project"},
	})})
	t.Cleanup(srv.Close)
	reg := provider.Registry{"openstack": provider.FactoryOf(openstack.FromServer)}
	tests := []struct {
		name    string
		params  map[string]string
		want    int
		wantErr string
	}{
		{"a project by name lists that project", map[string]string{"project": openstacktest.ProjectName, "domain": openstacktest.DomainName}, 1, ""},
		{"all_tenants lists every project", map[string]string{"project_id": openstacktest.ProjectID, "all_tenants": "1"}, 2, ""},
		{"a malformed all_tenants is refused", map[string]string{"project": openstacktest.ProjectName, "all_tenants": "yes please"}, 0, `param "all_tenants" is "yes please"`},
		{"a malformed page_size is refused", map[string]string{"project": openstacktest.ProjectName, "page_size": "-3"}, 0, `param "page_size" is "-3"`},
		{"an unknown param is refused", map[string]string{"project": openstacktest.ProjectName, "tenant": "x"}, 0, `unknown param "tenant"`},
		{"a timezone is read", map[string]string{"project": openstacktest.ProjectName, "timezone": "Europe/Berlin"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := reg.New(provider.Server{Type: "openstack", Name: "cloud1", Hostname: srv.URL,
				Username: openstacktest.Username, Password: openstacktest.Password, Params: tt.params})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("reg.New: %v, want an error containing %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			accts, err := p.ListAccounts(t.Context())
			if err != nil || len(accts) != tt.want {
				t.Fatalf("ListAccounts = %d accounts, %v; want %d", len(accts), err, tt.want)
			}
			if tz := tt.params["timezone"]; tz != "" && accts[0].Created.Location().String() != tz {
				t.Errorf("Created in %s, want %s", accts[0].Created.Location(), tz)
			}
		})
	}
}

func TestFromServerWithAnApplicationCredential(t *testing.T) {
	srv := openstacktest.NewServer(t, seed...)
	c, err := openstack.FromServer(provider.Server{Hostname: srv.URL, AccessHash: openstacktest.ApplicationCredentialSecret,
		Params: map[string]string{"application_credential_id": openstacktest.ApplicationCredentialID}})
	if err != nil {
		t.Fatal(err)
	}
	if accts, err := c.ListAccounts(t.Context()); err != nil || len(accts) != len(seed) {
		t.Fatalf("ListAccounts = %d accounts, %v", len(accts), err)
	}
}

func TestConcurrentCallsShareARefusedAuthentication(t *testing.T) {
	srv := openstacktest.New(openstacktest.Options{Accounts: seed, SlowDelay: 200 * time.Millisecond})
	t.Cleanup(srv.Close)
	cfg := testConfig(srv)
	cfg.Password = "Wr0ng-Passw0rd!"
	c := newClient(t, cfg)
	srv.FailNext(openstacktest.FaultSlow, 1) // hold the first authentication so the others queue
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			_, errs[i] = c.ListPackages(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		var ae *provider.APIError
		if !errors.Is(err, provider.ErrUnauthorized) || !errors.As(err, &ae) || ae.Op != "list packages: authenticate" {
			t.Errorf("call %d: %v, want ErrUnauthorized from list packages: authenticate", i, err)
		}
	}
	if got := srv.Calls(openstacktest.FuncAuth); got >= len(errs) {
		t.Errorf("%d authentications for %d concurrent calls; they should share one", got, len(errs))
	}
}
