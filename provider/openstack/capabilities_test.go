package openstack_test

import (
	"errors"
	"regexp"
	"slices"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
)

func TestCreateAccountEncodesEveryValueSafely(t *testing.T) {
	srv := openstacktest.NewServer(t, seed...)
	c := newClient(t, testConfig(srv))
	n := provider.NewAccount{
		Domain:   "a&b<c>\"d'e\nf.example",
		Email:    `o'hara+"x"&<y>@example.com`,
		Username: "svc&<>\"'\n1",
		Password: `P&ss<w>"o'rd` + "\n!",
		Product:  "m1.medium",
	}
	a, err := c.CreateAccount(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	if a.Domain != n.Domain || a.Email != n.Email || a.Username != n.Username || a.Product != n.Product {
		t.Errorf("CreateAccount returned %+v", a)
	}
	if got := srv.AdminPass(a.UniqueIdentifier); got != n.Password {
		t.Errorf("the server received adminPass %q, want %q", got, n.Password)
	}
	if got, want := lastQuery(srv, openstacktest.FuncListNames).Get("name"), "^"+regexp.QuoteMeta(n.Domain)+"$"; got != want {
		t.Errorf("the name check sent %q, want %q", got, want)
	}
	i := slices.IndexFunc(srv.Accounts(), func(x provider.Account) bool { return x.UniqueIdentifier == a.UniqueIdentifier })
	if i < 0 {
		t.Fatal("the fake does not hold the new server")
	}
	if got := srv.Accounts()[i]; got.Domain != n.Domain || got.Email != n.Email || got.Username != n.Username {
		t.Errorf("the fake received %+v", got)
	}
	if _, err := c.CreateAccount(t.Context(), n); !errors.Is(err, provider.ErrExists) {
		t.Errorf("a second create gave %v, want ErrExists", err)
	}
}

func TestCreateAccount(t *testing.T) {
	tests := []struct {
		name        string
		opts        openstacktest.Options
		edit        func(*openstack.Config)
		extra       map[string]string
		product     string
		wantErr     error
		wantStatus  int
		wantIP      bool
		wantCreates int
	}{
		{"a server that builds is polled until ACTIVE", openstacktest.Options{BuildPolls: 3}, nil, nil, "m1.small", nil, 0, true, 1},
		{"an unknown flavor gives ErrNotFound and creates nothing", openstacktest.Options{}, nil, nil, "m9.huge", provider.ErrNotFound, 0, false, 0},
		{"a missing image is refused before any call", openstacktest.Options{}, func(c *openstack.Config) { c.Image = "" }, nil, "m1.small", nil, 0, false, 0},
		{"an image in Extra overrides the config", openstacktest.Options{}, func(c *openstack.Config) { c.Image = "" },
			map[string]string{"image": openstacktest.ImageID}, "m1.small", nil, 0, true, 1},
		{"network none creates a server without addresses", openstacktest.Options{}, nil, map[string]string{"network": "none"}, "m1.small", nil, 0, false, 1},
		{"no network means auto", openstacktest.Options{}, func(c *openstack.Config) { c.Network = "" }, nil, "m1.small", nil, 0, true, 1},
		{"no network on a cloud without microversions sends none", openstacktest.Options{MaxMicroversion: "2.1"},
			func(c *openstack.Config) { c.Network = "" }, nil, "m1.small", nil, 0, true, 1},
		{"an unknown network is Nova's 400", openstacktest.Options{}, nil, map[string]string{"network": "no-such-net"}, "m1.small", nil, 400, false, 1},
		{"a flavor id works when no name matches", openstacktest.Options{}, nil, nil, "3", nil, 0, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openstacktest.New(tt.opts)
			t.Cleanup(srv.Close)
			cfg := testConfig(srv)
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			a, err := newClient(t, cfg).CreateAccount(t.Context(), provider.NewAccount{Domain: "new.example", Product: tt.product, Extra: tt.extra})
			if got := srv.Calls(openstacktest.FuncCreateServer); got != tt.wantCreates {
				t.Errorf("%d create requests, want %d", got, tt.wantCreates)
			}
			failed := tt.wantErr != nil || tt.wantStatus != 0 || tt.wantCreates == 0
			if !failed {
				if err != nil {
					t.Fatal(err)
				}
				if a.Status != provider.StatusActive || a.Extra["status"] != "ACTIVE" || (a.PrimaryIP != "") != tt.wantIP {
					t.Errorf("created %+v", a)
				}
				return
			}
			if err == nil {
				t.Fatalf("CreateAccount succeeded: %+v", a)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			var ae *provider.APIError
			if !errors.As(err, &ae) || ae.Op != "create account" || ae.StatusCode != tt.wantStatus {
				t.Errorf("error %#v, want an APIError for create account with status %d", err, tt.wantStatus)
			}
		})
	}
	t.Run("the build is polled every PollInterval", func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{BuildPolls: 3})
		t.Cleanup(srv.Close)
		if _, err := newClient(t, testConfig(srv)).CreateAccount(t.Context(), provider.NewAccount{Domain: "b.example", Product: "m1.small"}); err != nil {
			t.Fatal(err)
		}
		if got := srv.Calls(openstacktest.FuncShowServer); got != 3 {
			t.Errorf("%d reads of the new server, want 3", got)
		}
	})
}

func TestSuspendAndResumeReadTheStateFirst(t *testing.T) {
	tests := []struct {
		name        string
		server      string // fixture id
		suspend     bool
		wantActions int
		wantStatus  int // of the error; 0 for none
		wantState   provider.Status
	}{
		{"suspending a suspended server sends nothing", "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0001", true, 0, 0, provider.StatusSuspended},
		{"resuming a suspended server resumes it", "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0001", false, 1, 0, provider.StatusActive},
		{"suspending an active server suspends it", "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0002", true, 1, 0, provider.StatusSuspended},
		{"resuming an active server sends nothing", "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0002", false, 0, 0, provider.StatusActive},
		{"resuming a stopped server sends nothing", "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0004", false, 0, 0, provider.StatusActive},
		{"suspending a stopped server is Nova's 409", "8a1d0c4e-7b2f-4e6a-9d3c-5b1e0f2a0004", true, 1, 409, provider.StatusActive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openstacktest.New(openstacktest.Options{Servers: rawServers(t, "servers-detail-v2.69.json")})
			t.Cleanup(srv.Close)
			cfg := testConfig(srv)
			cfg.AllTenants = true
			c := newClient(t, cfg)
			a := provider.Account{UniqueIdentifier: tt.server}
			var err error
			if tt.suspend {
				err = c.SuspendAccount(t.Context(), a, "overdue")
			} else {
				err = c.UnsuspendAccount(t.Context(), a)
			}
			if got := srv.Calls(openstacktest.FuncServerAction); got != tt.wantActions {
				t.Errorf("%d action requests, want %d", got, tt.wantActions)
			}
			var ae *provider.APIError
			switch {
			case tt.wantStatus == 0 && err != nil:
				t.Fatal(err)
			case tt.wantStatus != 0 && (!errors.As(err, &ae) || ae.StatusCode != tt.wantStatus || ae.Code != "conflictingRequest"):
				t.Fatalf("error %v, want HTTP %d conflictingRequest", err, tt.wantStatus)
			}
			for _, got := range srv.Accounts() {
				if got.UniqueIdentifier == tt.server && got.Status != tt.wantState {
					t.Errorf("the server is %s, want %s", got.Status, tt.wantState)
				}
			}
		})
	}
}

func TestTerminateAccount(t *testing.T) {
	srv := openstacktest.NewServer(t, seed...)
	c := newClient(t, testConfig(srv))
	if err := c.TerminateAccount(t.Context(), provider.Account{UniqueIdentifier: "7c0f1d2e-0000-4000-8000-00000000dead"}); err != nil {
		t.Errorf("terminating a server that is gone: %v, want nil", err)
	}
	if err := c.TerminateAccount(t.Context(), provider.Account{Domain: "shop.example.org"}); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("terminating an account without a server id: %v, want ErrNotFound", err)
	}
	if got := srv.Calls(openstacktest.FuncDeleteServer); got != 1 {
		t.Errorf("%d delete requests, want 1 (none without an id)", got)
	}
	if err := c.TerminateAccount(t.Context(), seed[0]); err != nil {
		t.Fatal(err)
	}
	if got := len(srv.Accounts()); got != len(seed)-1 {
		t.Errorf("%d servers left, want %d", got, len(seed)-1)
	}
}

func TestListPackages(t *testing.T) {
	tests := []struct {
		name       string
		allTenants bool
		wantPublic string
	}{
		{"a project token lists public flavors over pages", false, ""},
		{"an admin listing asks for private flavors too", true, "None"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openstacktest.New(openstacktest.Options{Packages: []string{"m1.small", "m1.medium", "m1.large", "gpu.xl"}})
			t.Cleanup(srv.Close)
			cfg := testConfig(srv)
			cfg.PageSize = 3
			cfg.AllTenants = tt.allTenants
			pkgs, err := newClient(t, cfg).ListPackages(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range pkgs {
				names = append(names, p.Name)
			}
			if want := []string{"m1.small", "m1.medium", "m1.large", "gpu.xl"}; !slices.Equal(names, want) {
				t.Errorf("packages %q, want %q", names, want)
			}
			if got := pkgs[3].Extra; got["id"] != "4" || got["vcpus"] != "4" || got["ram_mb"] != "4096" || got["disk_gb"] != "40" {
				t.Errorf("gpu.xl Extra = %v", got)
			}
			if got := srv.Calls(openstacktest.FuncListFlavors); got != 2 {
				t.Errorf("%d flavor pages, want 2", got)
			}
			if got := lastQuery(srv, openstacktest.FuncListFlavors).Get("is_public"); got != tt.wantPublic {
				t.Errorf("is_public=%q, want %q", got, tt.wantPublic)
			}
		})
	}
}
