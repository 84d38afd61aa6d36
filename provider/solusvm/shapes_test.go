package solusvm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/solusvm"
	"github.com/accountsync/accountsync/provider/solusvm/solusvmtest"
)

// shapeFaults are the answers that are valid JSON or XML, say success, and
// do not hold what the call exists for.
var shapeFaults = []solusvmtest.Fault{
	solusvmtest.FaultWrongShape,
	solusvmtest.FaultNullList,
	solusvmtest.FaultWrongType,
	solusvmtest.FaultEmptyObject,
	solusvmtest.FaultUnexpectedObject,
}

// assertListingFailed checks that a listing ended with a solusvm
// *provider.APIError and no accounts.
func assertListingFailed(t *testing.T, accts []provider.Account, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("ListAccounts returned %d accounts and no error", len(accts))
	}
	if accts != nil {
		t.Errorf("ListAccounts returned %d accounts with its error", len(accts))
	}
	var ae *provider.APIError
	if !errors.As(err, &ae) || ae.Type != "solusvm" || !strings.HasPrefix(err.Error(), "solusvm: "+ae.Op+": ") {
		t.Errorf("error %q (%T) is not a solusvm *provider.APIError prefixed with its operation", err, err)
	}
	assertNoSecrets(t, err.Error())
}

func TestAListingCallOfTheWrongShapeFailsTheListing(t *testing.T) {
	// Every call a SolusVM 1 listing makes, and SolusVM 2's pages: each
	// answered with each hostile shape while the others answer normally.
	type target struct {
		name     string
		function string
		later    bool // SolusVM 2: a page after the first
	}
	v1Targets := []target{
		{"the node list of a virtualization type", "node-idlist", false},
		{"the client list", "client-list", false},
		{"a node's server list", "node-virtualservers", false},
		{"one server's state", "vserver-infoall", false},
	}
	v2Targets := []target{
		{"the first page", "GET /servers", false},
		{"a page after the first", "GET /servers", true},
	}
	for _, xmlOnly := range []bool{false, true} {
		format := "JSON"
		if xmlOnly {
			format = "XML"
		}
		for _, tg := range v1Targets {
			for _, f := range shapeFaults {
				t.Run("SolusVM 1 ("+format+"): "+tg.name+" answered "+f.String()+" fails the listing", func(t *testing.T) {
					srv := solusvmtest.New(solusvmtest.Options{Accounts: seed(), XMLOnly: xmlOnly})
					defer srv.Close()
					c := newClient(t, v1Config(srv))
					srv.SetFaultFor(tg.function, f)
					accts, err := c.ListAccounts(context.Background())
					assertListingFailed(t, accts, err)
					if n := srv.Calls(tg.function); n == 0 {
						t.Errorf("the listing never called %s", tg.function)
					}
				})
			}
		}
	}
	for _, tg := range v2Targets {
		for _, f := range shapeFaults {
			t.Run("SolusVM 2: "+tg.name+" answered "+f.String()+" fails the listing", func(t *testing.T) {
				// 40 servers in pages of 15: the case, where a
				// listing that stops at an odd page returns 30 of 40.
				srv := solusvmtest.New(solusvmtest.Options{Accounts: manyAccounts(40), PageSize: 15})
				defer srv.Close()
				c := newClient(t, v2Config(srv))
				if tg.later {
					srv.FailAfter(f, 1, 1)
				} else {
					srv.FailNext(f, 1)
				}
				accts, err := c.ListAccounts(context.Background())
				assertListingFailed(t, accts, err)
			})
		}
	}
}

func TestCatalogsAndLookupsOfTheWrongShapeAreErrors(t *testing.T) {
	for _, f := range shapeFaults[:3] {
		t.Run("SolusVM 1: listplans answered "+f.String()+" fails ListPackages", func(t *testing.T) {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
			defer srv.Close()
			srv.SetFaultFor("listplans", f)
			pkgs, err := newClient(t, v1Config(srv)).ListPackages(context.Background())
			if err == nil || pkgs != nil {
				t.Fatalf("ListPackages = %d packages, %v; want an error and none", len(pkgs), err)
			}
		})
		t.Run("SolusVM 2: GET /plans answered "+f.String()+" fails ListPackages", func(t *testing.T) {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
			defer srv.Close()
			srv.SetFaultFor("GET /plans", f)
			pkgs, err := newClient(t, v2Config(srv)).ListPackages(context.Background())
			if err == nil || pkgs != nil {
				t.Fatalf("ListPackages = %d packages, %v; want an error and none", len(pkgs), err)
			}
		})
		t.Run("SolusVM 1: client-list answered "+f.String()+" fails a create before anything is made", func(t *testing.T) {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
			defer srv.Close()
			srv.SetFaultFor("client-list", f)
			_, err := newClient(t, v1Config(srv)).CreateAccount(context.Background(), provider.NewAccount{Username: "vmuser12",
				Email: "alice@example.com", Domain: "web1.example.com", Password: "Another-pw-1", Product: "VPS-1G"})
			if err == nil {
				t.Fatal("CreateAccount succeeded")
			}
			if n := srv.Calls("client-create") + srv.Calls("vserver-create"); n != 0 {
				t.Errorf("the fake received %d create calls", n)
			}
		})
		t.Run("SolusVM 1: vserver-status answered "+f.String()+" fails an unsuspend without acting", func(t *testing.T) {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
			defer srv.Close()
			srv.SetFaultFor("vserver-status", f)
			err := newClient(t, v1Config(srv)).UnsuspendAccount(context.Background(), provider.Account{UniqueIdentifier: "102"})
			if err == nil {
				t.Fatal("UnsuspendAccount succeeded on a state it could not read")
			}
			if n := srv.Calls("vserver-unsuspend"); n != 0 {
				t.Errorf("the fake received %d vserver-unsuspend calls", n)
			}
		})
		t.Run("SolusVM 2: GET /servers/{id} answered "+f.String()+" fails an unsuspend without acting", func(t *testing.T) {
			srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
			defer srv.Close()
			srv.SetFaultFor("GET /servers/{id}", f)
			err := newClient(t, v2Config(srv)).UnsuspendAccount(context.Background(), provider.Account{UniqueIdentifier: "102"})
			if err == nil {
				t.Fatal("UnsuspendAccount succeeded on a state it could not read")
			}
			if n := srv.Calls("POST /servers/{id}/resume"); n != 0 {
				t.Errorf("the fake received %d resume calls", n)
			}
		})
	}
}

func TestVendorWordings(t *testing.T) {
	ctx := context.Background()
	listed := func(t *testing.T, c *solusvm.Client, id string) bool {
		t.Helper()
		accts, err := c.ListAccounts(ctx)
		if err != nil {
			t.Fatalf("ListAccounts: %v", err)
		}
		_, ok := byID(accts)[id]
		return ok
	}
	t.Run("SolusVM 1: 'Invalid ipaddress' is ErrUnauthorized", func(t *testing.T) {
		srv := solusvmtest.NewServer(t, seed()...)
		srv.SetFault(solusvmtest.FaultAddressRefused)
		_, err := newClient(t, v1Config(srv)).ListAccounts(ctx)
		if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "invalid ipaddress") {
			t.Fatalf("ListAccounts: %v, want ErrUnauthorized naming the address check", err)
		}
	})
	t.Run("SolusVM 1: a bare 'Node not found' for a node fails the listing with ErrNotFound", func(t *testing.T) {
		srv := solusvmtest.NewServer(t, seed()...)
		srv.SetFaultFor("node-virtualservers", solusvmtest.FaultNodeNotFound)
		accts, err := newClient(t, v1Config(srv)).ListAccounts(ctx)
		assertListingFailed(t, accts, err)
		if !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), "Node not found") {
			t.Errorf("error %q, want ErrNotFound quoting the panel", err)
		}
	})
	t.Run("SolusVM 1: a server that vanishes during the listing makes it ErrTransient", func(t *testing.T) {
		srv := solusvmtest.NewServer(t, seed()...)
		srv.SetFaultFor("vserver-infoall", solusvmtest.FaultServerNotFound)
		accts, err := newClient(t, v1Config(srv)).ListAccounts(ctx)
		assertListingFailed(t, accts, err)
		if !errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "changed while it was read") {
			t.Errorf("error %q, want ErrTransient saying the listing changed", err)
		}
	})
	t.Run("SolusVM 1: 'Client already exists' from a create that lost a race is not a failure", func(t *testing.T) {
		srv := solusvmtest.NewServer(t, seed()...)
		srv.SetFaultFor("client-create", solusvmtest.FaultClientExists)
		c := newClient(t, v1Config(srv))
		a, err := c.CreateAccount(ctx, provider.NewAccount{Username: "newbie", Email: "n@example.com",
			Domain: "n.example.com", Password: "Newbie-pw-1", Product: "VPS-1G"})
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if !listed(t, c, a.UniqueIdentifier) {
			t.Errorf("the new server %s is not listed", a.UniqueIdentifier)
		}
	})
	for _, p := range protocols {
		terminateCall, suspendCall, readCall := "vserver-terminate", "vserver-suspend", "vserver-status"
		if p.name == "SolusVM 2" {
			terminateCall, suspendCall, readCall = "DELETE /servers/{id}", "POST /servers/{id}/suspend", "GET /servers/{id}"
		}
		t.Run(p.name+": a terminate answered 'not found' for a server that is still there is an error", func(t *testing.T) {
			srv := solusvmtest.NewServer(t, seed()...)
			c := newClient(t, p.config(srv))
			srv.SetFaultFor(terminateCall, solusvmtest.FaultServerNotFound)
			if err := c.TerminateAccount(ctx, provider.Account{UniqueIdentifier: "101"}); err == nil {
				t.Error("TerminateAccount succeeded")
			}
			srv.SetFaultFor(terminateCall, solusvmtest.FaultNone)
			if !listed(t, c, "101") {
				t.Error("server 101 is gone")
			}
		})
		t.Run(p.name+": a terminate whose answer is lost succeeds when the server is gone", func(t *testing.T) {
			srv := solusvmtest.NewServer(t, seed()...)
			c := newClient(t, p.config(srv))
			srv.SetFaultFor(terminateCall, solusvmtest.FaultLostAnswer)
			if err := c.TerminateAccount(ctx, provider.Account{UniqueIdentifier: "101"}); err != nil {
				t.Fatalf("TerminateAccount: %v", err)
			}
			if listed(t, c, "101") {
				t.Error("server 101 is still listed")
			}
		})
		t.Run(p.name+": a terminate of a server that is already gone succeeds", func(t *testing.T) {
			srv := solusvmtest.NewServer(t, seed()...)
			if err := newClient(t, p.config(srv)).TerminateAccount(ctx, provider.Account{UniqueIdentifier: "4242"}); err != nil {
				t.Fatalf("TerminateAccount: %v", err)
			}
		})
		t.Run(p.name+": a suspend whose answer is lost succeeds when the server is suspended", func(t *testing.T) {
			srv := solusvmtest.NewServer(t, seed()...)
			c := newClient(t, p.config(srv))
			srv.SetFaultFor(suspendCall, solusvmtest.FaultLostAnswer)
			if err := c.SuspendAccount(ctx, provider.Account{UniqueIdentifier: "101"}, ""); err != nil {
				t.Fatalf("SuspendAccount: %v", err)
			}
			srv.SetFaultFor(suspendCall, solusvmtest.FaultNone)
			accts, err := c.ListAccounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := byID(accts)["101"].Status; got != provider.StatusSuspended {
				t.Errorf("server 101 is %s", got)
			}
		})
		t.Run(p.name+": a suspend that fails while the server stays active is an error", func(t *testing.T) {
			srv := solusvmtest.NewServer(t, seed()...)
			c := newClient(t, p.config(srv))
			srv.SetFaultFor(suspendCall, solusvmtest.FaultServerError)
			if err := c.SuspendAccount(ctx, provider.Account{UniqueIdentifier: "101"}, ""); err == nil {
				t.Fatal("SuspendAccount succeeded")
			}
		})
		t.Run(p.name+": a suspend of a server the panel does not know is ErrNotFound", func(t *testing.T) {
			srv := solusvmtest.NewServer(t, seed()...)
			srv.SetFaultFor(readCall, solusvmtest.FaultServerNotFound)
			err := newClient(t, p.config(srv)).SuspendAccount(ctx, provider.Account{UniqueIdentifier: "101"}, "")
			if !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("SuspendAccount: %v, want ErrNotFound", err)
			}
		})
	}
}

// pagedServer serves SolusVM 2's GET /servers from n generated servers in
// pages of size, through edit, which may change a page's envelope before
// it is sent (the page number is the one asked for).
func pagedServer(t *testing.T, n, size int, edit func(page int, env map[string]any)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		last := max(1, (n+size-1)/size)
		data := []any{}
		for i := (page - 1) * size; i < min(page*size, n); i++ {
			data = append(data, map[string]any{"id": i + 1, "name": fmt.Sprintf("vps%d.example", i+1), "is_suspended": false,
				"created_at": "2024-03-01T10:15:00.000000Z"})
		}
		env := map[string]any{
			"data":  data,
			"links": map[string]any{"first": "/api/v1/servers?page=1", "next": nil},
			"meta":  map[string]any{"current_page": page, "last_page": last, "per_page": size, "total": n},
		}
		edit(page, env)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(env)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSolusVM2PagesMustAgree(t *testing.T) {
	meta := func(env map[string]any) map[string]any { return env["meta"].(map[string]any) }
	tests := []struct {
		name      string
		edit      func(page int, env map[string]any)
		transient bool   // the error must match provider.ErrTransient
		inMessage string // a part of the error text
	}{
		{"a page without meta is an error", func(p int, env map[string]any) {
			if p == 2 {
				delete(env, "meta")
			}
		}, false, `"meta"`},
		{"a page whose meta lacks the total is an error", func(p int, env map[string]any) { delete(meta(env), "total") }, false, "total"},
		{"a page without links is an error", func(p int, env map[string]any) { delete(env, "links") }, false, `"links"`},
		{"a later page counting another total means the list changed", func(p int, env map[string]any) {
			if p == 3 {
				meta(env)["total"] = 9
			}
		}, true, "changed while it was read"},
		{"a short page means the list changed", func(p int, env map[string]any) {
			if p == 2 {
				env["data"] = env["data"].([]any)[:1]
			}
		}, true, "changed while it was read"},
		{"paging that cannot hold the total is an error", func(p int, env map[string]any) { meta(env)["last_page"] = 9 }, false, "impossible paging"},
		{"a page that answers as another page does not advance", func(p int, env map[string]any) { meta(env)["current_page"] = 1 }, false, "does not advance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := pagedServer(t, 7, 3, tt.edit)
			c := newClient(t, fast(solusvm.Config{BaseURL: srv.URL, APIVersion: 2, APIToken: solusvmtest.Token}))
			accts, err := c.ListAccounts(context.Background())
			assertListingFailed(t, accts, err)
			if errors.Is(err, provider.ErrTransient) != tt.transient {
				t.Errorf("errors.Is(%q, ErrTransient) = %t", err, !tt.transient)
			}
			if !strings.Contains(err.Error(), tt.inMessage) {
				t.Errorf("error %q does not contain %q", err, tt.inMessage)
			}
		})
	}
	t.Run("pages that agree are read whole, in order, at any concurrency", func(t *testing.T) {
		srv := pagedServer(t, 7, 3, func(int, map[string]any) {})
		for _, conc := range []int{1, 2, 8} {
			cfg := fast(solusvm.Config{BaseURL: srv.URL, APIVersion: 2, APIToken: solusvmtest.Token, Concurrency: conc})
			accts, err := newClient(t, cfg).ListAccounts(context.Background())
			if err != nil {
				t.Fatalf("Concurrency %d: %v", conc, err)
			}
			var ids []string
			for _, a := range accts {
				ids = append(ids, a.UniqueIdentifier)
			}
			if got := strings.Join(ids, ","); got != "1,2,3,4,5,6,7" {
				t.Errorf("Concurrency %d: listed %s", conc, got)
			}
		}
	})
	t.Run("an empty panel is one page of nothing", func(t *testing.T) {
		srv := pagedServer(t, 0, 3, func(int, map[string]any) {})
		accts, err := newClient(t, fast(solusvm.Config{BaseURL: srv.URL, APIVersion: 2, APIToken: solusvmtest.Token})).ListAccounts(context.Background())
		if err != nil || len(accts) != 0 {
			t.Fatalf("ListAccounts = %d accounts, %v", len(accts), err)
		}
	})
}
