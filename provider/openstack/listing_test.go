package openstack_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
)

// manyAccounts returns n accounts with distinct names and addresses.
func manyAccounts(n int) []provider.Account {
	out := make([]provider.Account, n)
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = provider.Account{
			Email: fmt.Sprintf("owner%d@example.com", i), Username: fmt.Sprintf("svc%d", i),
			Domain: fmt.Sprintf("vps%05d.example.net", i), Product: []string{"m1.small", "m1.medium", "m1.large"}[i%3],
			PrimaryIP: fmt.Sprintf("10.%d.%d.%d", i/65536, (i/256)%256, i%256), Created: base.Add(time.Duration(i) * time.Minute),
			Status: []provider.Status{provider.StatusActive, provider.StatusSuspended}[i%7/6],
		}
	}
	return out
}

// rawServers returns the records of a testdata page.
func rawServers(t testing.TB, name string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Servers []json.RawMessage `json:"servers"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	return page.Servers
}

func TestListingFollowsPages(t *testing.T) {
	tests := []struct {
		name      string
		servers   int
		pageSize  int
		maxLimit  int
		wantPages int
	}{
		{"a listing smaller than a page takes one request", 5, 10, 0, 1},
		{"a partial last page ends the listing", 25, 10, 0, 3},
		{"a full last page is followed by an empty one", 20, 10, 0, 3},
		{"Nova's max_limit below the page size still lists everything", 25, 1000, 7, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := manyAccounts(tt.servers)
			srv := openstacktest.New(openstacktest.Options{Accounts: want, MaxLimit: tt.maxLimit})
			t.Cleanup(srv.Close)
			cfg := testConfig(srv)
			cfg.PageSize = tt.pageSize
			accts, err := newClient(t, cfg).ListAccounts(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.Calls(openstacktest.FuncListServers); got != tt.wantPages {
				t.Errorf("fetched %d pages, want %d", got, tt.wantPages)
			}
			if !sameAccounts(t, accts, srv.Accounts()) {
				t.Error("the listing differs from the fake's state")
			}
		})
	}
}

// sameAccounts compares WHMCS records regardless of order.
func sameAccounts(t *testing.T, got, want []provider.Account) bool {
	t.Helper()
	lines := func(as []provider.Account) []string {
		out := make([]string, len(as))
		for i, a := range as {
			b, _ := json.Marshal(a)
			out[i] = string(b)
		}
		slices.Sort(out)
		return out
	}
	g, w := lines(got), lines(want)
	if !slices.Equal(g, w) {
		t.Logf("got  %d: %s", len(g), strings.Join(g, "\n"))
		t.Logf("want %d: %s", len(w), strings.Join(w, "\n"))
		return false
	}
	return true
}

func TestAllTenants(t *testing.T) {
	accounts := append(slices.Clone(seed), provider.Account{UniqueIdentifier: "other-1", Domain: "other.example", Product: "m1.small",
		Extra: map[string]string{"tenant_id": "5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b"}})
	tests := []struct {
		name       string
		allTenants bool
		nonAdmin   bool
		want       int
		wantErr    error
	}{
		{"without all_tenants only the token's project is listed", false, false, 2, nil},
		{"with all_tenants an admin sees every project", true, false, 3, nil},
		{"with all_tenants a non-admin gets ErrUnauthorized, not a short list", true, true, 0, provider.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openstacktest.New(openstacktest.Options{Accounts: accounts, NonAdmin: tt.nonAdmin})
			t.Cleanup(srv.Close)
			cfg := testConfig(srv)
			cfg.AllTenants = tt.allTenants
			accts, err := newClient(t, cfg).ListAccounts(t.Context())
			if !errors.Is(err, tt.wantErr) || len(accts) != tt.want {
				t.Fatalf("ListAccounts = %d accounts, %v; want %d, %v", len(accts), err, tt.want, tt.wantErr)
			}
			if got := lastQuery(srv, openstacktest.FuncListServers).Get("all_tenants"); (got == "1") != tt.allTenants {
				t.Errorf("all_tenants=%q sent", got)
			}
		})
	}
}

func TestMicroversionNegotiation(t *testing.T) {
	tests := []struct {
		name          string
		max           string
		fixture       string
		wantProducts  []string
		wantListCalls int // for two listings
		wantLookups   int // GET /flavors/{id}, for two listings
	}{
		{"a current cloud embeds flavor names and needs no lookup", "2.96", "servers-detail-v2.69.json",
			[]string{"", "m1.large", "m1.medium", "m1.small", "m1.small"}, 2, 0},
		{"a cloud below 2.69 is asked 2.47 and embeds names", "2.60", "servers-detail-v2.69.json",
			[]string{"", "m1.large", "m1.medium", "m1.small", "m1.small"}, 3, 0},
		{"a cloud below 2.47 gets one lookup per flavor, and a deleted flavor gives its id", "2.46", "servers-detail-v2.1.json",
			[]string{"42", "m1.medium", "m1.medium"}, 4, 4},
		{"a cloud without microversions is asked without the header", "2.1", "servers-detail-v2.1.json",
			[]string{"42", "m1.medium", "m1.medium"}, 4, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openstacktest.New(openstacktest.Options{Servers: rawServers(t, tt.fixture), MaxMicroversion: tt.max})
			t.Cleanup(srv.Close)
			cfg := testConfig(srv)
			cfg.AllTenants = true // one fixture server belongs to another project
			c := newClient(t, cfg)
			for range 2 {
				accts, err := c.ListAccounts(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				var products []string
				for _, a := range accts {
					products = append(products, a.Product)
				}
				slices.Sort(products)
				if !slices.Equal(products, tt.wantProducts) {
					t.Errorf("products %q, want %q", products, tt.wantProducts)
				}
			}
			if got := srv.Calls(openstacktest.FuncListServers); got != tt.wantListCalls {
				t.Errorf("%d listing requests for two listings, want %d (406s included, then remembered)", got, tt.wantListCalls)
			}
			if got := srv.Calls(openstacktest.FuncShowFlavor); got != tt.wantLookups {
				t.Errorf("%d flavor lookups for two listings, want %d", got, tt.wantLookups)
			}
		})
	}
}

func TestADownCellListsItsServersAsPartialRecords(t *testing.T) {
	accounts := manyAccounts(6) // cells alternate: cell1, cell2, cell1, ...
	srv := openstacktest.New(openstacktest.Options{Accounts: accounts})
	t.Cleanup(srv.Close)
	srv.SetFault(openstacktest.FaultDownCell)
	accts, err := newClient(t, testConfig(srv)).ListAccounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != len(accounts) {
		t.Fatalf("listed %d servers, want all %d: a down cell must not hide servers", len(accts), len(accounts))
	}
	truth := srv.Accounts()
	for i, a := range accts {
		partial := i%2 == 1
		if a.UniqueIdentifier != truth[i].UniqueIdentifier {
			t.Errorf("account %d is %s, want %s", i, a.UniqueIdentifier, truth[i].UniqueIdentifier)
		}
		if got := a.Extra["partial"] == "true"; got != partial {
			t.Errorf("account %d partial=%t, want %t", i, got, partial)
		}
		if partial {
			if a.Domain != "" || a.Product != "" || a.Status != provider.StatusActive || a.Extra["status"] != "UNKNOWN" {
				t.Errorf("partial account %d = %+v", i, a)
			}
			if !a.Created.Equal(truth[i].Created) {
				t.Errorf("partial account %d created %s, want %s", i, a.Created, truth[i].Created)
			}
		}
	}
}

func TestServersStreams(t *testing.T) {
	t.Run("ranging stops fetching when the consumer stops", func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(30)})
		t.Cleanup(srv.Close)
		cfg := testConfig(srv)
		cfg.PageSize = 10
		n := 0
		for s, err := range newClient(t, cfg).Servers(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			if s.ID == "" {
				t.Fatal("a server without an id")
			}
			if n++; n == 3 {
				break
			}
		}
		if got := srv.Calls(openstacktest.FuncListServers); got != 1 {
			t.Errorf("fetched %d pages after the consumer stopped on the first, want 1", got)
		}
	})
	t.Run("a marker deleted mid-listing yields one error and ends", func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(6)})
		t.Cleanup(srv.Close)
		cfg := testConfig(srv)
		cfg.PageSize = 2
		c := newClient(t, cfg)
		var servers, errs int
		var last error
		for s, err := range c.Servers(t.Context()) {
			if err != nil {
				errs++
				last = err
				continue
			}
			servers++
			if servers == 2 {
				// The page's last server, the next marker, goes away.
				if err := c.TerminateAccount(t.Context(), provider.Account{UniqueIdentifier: s.ID}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if servers != 2 || errs != 1 {
			t.Fatalf("got %d servers and %d errors, want 2 and 1", servers, errs)
		}
		var ae *provider.APIError
		if !errors.As(last, &ae) || ae.StatusCode != 400 || ae.Code != "badRequest" || !strings.Contains(ae.Message, "marker") ||
			!strings.HasPrefix(last.Error(), "openstack: list servers: HTTP 400") {
			t.Errorf("error %q, want Nova's 400 about the marker", last)
		}
	})
	t.Run("each server carries its addresses in network order", func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{Servers: rawServers(t, "servers-detail-v2.69.json")})
		t.Cleanup(srv.Close)
		cfg := testConfig(srv)
		cfg.AllTenants = true
		var got []openstack.Server
		for s, err := range newClient(t, cfg).Servers(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		if len(got) != 5 {
			t.Fatalf("streamed %d servers, want 5", len(got))
		}
		var nets []string
		for _, a := range got[0].Addresses {
			nets = append(nets, a.Network+" "+a.Addr)
		}
		want := []string{"private 10.0.0.7", "private 203.0.113.70", "public 198.51.100.7", "public 2001:db8::7"}
		if !slices.Equal(nets, want) {
			t.Errorf("addresses %q, want %q", nets, want)
		}
		if !got[2].Partial || got[2].Status != "UNKNOWN" {
			t.Errorf("the down-cell record is %+v", got[2])
		}
	})
}

func TestLocationAppliesToCreated(t *testing.T) {
	srv := openstacktest.NewServer(t, seed...)
	cfg := testConfig(srv)
	cfg.Location = time.FixedZone("UTC+2", 2*3600)
	accts, err := newClient(t, cfg).ListAccounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(accts[0])
	if !strings.Contains(string(b), `"created":"2024-05-01 11:30:00"`) {
		t.Errorf("record %s, want created 2024-05-01 11:30:00 in UTC+2", b)
	}
}
