package openstack_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/openstack"
	"github.com/accountsync/accountsync/provider/openstack/openstacktest"
)

// pageFaults are the answers a listing page can give that are valid JSON
// but not a whole page: each must fail the listing, never end it.
var pageFaults = []struct {
	fault openstacktest.Fault
	what  string // in the error
}{
	{openstacktest.FaultWrongShape, `the answer has no "servers"`},
	{openstacktest.FaultUnexpectedKey, `the answer has no "servers"`},
	{openstacktest.FaultNullList, `the answer has no "servers"`},
	{openstacktest.FaultWrongType, `decode response`},
	{openstacktest.FaultNoNextLink, `a full page of 10 servers without a link to the next one`},
}

// wantNoListing checks a listing that must fail: no accounts, and an
// *provider.APIError of openstack naming what went wrong.
func wantNoListing(t *testing.T, accts []provider.Account, err error, op, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("returned %d accounts and no error", len(accts))
	}
	if accts != nil {
		t.Errorf("returned %d accounts with its error", len(accts))
	}
	var ae *provider.APIError
	if !errors.As(err, &ae) || ae.Type != "openstack" || !strings.HasPrefix(ae.Op, op) {
		t.Errorf("error %v is not an *APIError of openstack / %s", err, op)
	}
	if !strings.Contains(err.Error(), what) {
		t.Errorf("error %q does not say %q", err, what)
	}
}

func TestAPageWithoutItsListFailsTheListing(t *testing.T) {
	for _, pf := range pageFaults {
		for _, page := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s as page %d of 4 gives no accounts", pf.fault, page), func(t *testing.T) {
				srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(40)})
				t.Cleanup(srv.Close)
				cfg := testConfig(srv)
				cfg.PageSize = 10
				c := newClient(t, cfg)
				srv.FailAfter(pf.fault, page-1, 1)
				accts, err := c.ListAccounts(t.Context())
				wantNoListing(t, accts, err, "list accounts", pf.what)
				if got := srv.Calls(openstacktest.FuncListServers); got != page {
					t.Errorf("%d pages requested, want %d (the listing stops at the odd page)", got, page)
				}
			})
		}
	}
	t.Run("a listing that ends on a page short of the limit is whole", func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(35)})
		t.Cleanup(srv.Close)
		cfg := testConfig(srv)
		cfg.PageSize = 10
		accts, err := newClient(t, cfg).ListAccounts(t.Context())
		if err != nil || len(accts) != 35 {
			t.Fatalf("listed %d accounts, error %v; want 35", len(accts), err)
		}
	})
	t.Run("a cloud whose max_limit is below the page size is followed to the end", func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(35), MaxLimit: 8})
		t.Cleanup(srv.Close)
		cfg := testConfig(srv)
		cfg.PageSize = 10
		accts, err := newClient(t, cfg).ListAccounts(t.Context())
		if err != nil || len(accts) != 35 {
			t.Fatalf("listed %d accounts, error %v; want 35", len(accts), err)
		}
	})
}

func TestEveryCallOfAListingChecksItsShape(t *testing.T) {
	t.Run("a flavor looked up as {} fails the listing (microversion 2.1)", func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(5), MaxMicroversion: "2.1"})
		t.Cleanup(srv.Close)
		c := newClient(t, testConfig(srv))
		if _, err := c.ListAccounts(t.Context()); err != nil { // authenticate first
			t.Fatal(err)
		}
		srv.SetFault(openstacktest.FaultEmptyObject) // the token is issued: the flavor lookup meets it
		accts, err := c.ListAccounts(t.Context())
		wantNoListing(t, accts, err, "list accounts", `no "`)
	})
	t.Run("a token answered with {} fails the listing", func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(5)})
		t.Cleanup(srv.Close)
		srv.FailNext(openstacktest.FaultEmptyObject, 1)
		accts, err := newClient(t, testConfig(srv)).ListAccounts(t.Context())
		wantNoListing(t, accts, err, "list accounts", "no service catalog")
	})
	for _, pf := range pageFaults {
		what := strings.ReplaceAll(pf.what, "servers", "flavors")
		if pf.fault == openstacktest.FaultNoNextLink {
			what = "a full page of 2 flavors without a link"
		}
		t.Run("ListPackages refuses a flavors page with "+pf.fault.String(), func(t *testing.T) {
			srv := openstacktest.New(openstacktest.Options{Packages: []string{"a", "b", "c"}})
			t.Cleanup(srv.Close)
			cfg := testConfig(srv)
			cfg.PageSize = 2
			c := newClient(t, cfg)
			skip := 1 // the second page
			if pf.fault == openstacktest.FaultNoNextLink {
				skip = 0 // the first page, the only full one
			}
			srv.FailAfter(pf.fault, skip, 1)
			pkgs, err := c.ListPackages(t.Context())
			if err == nil || !strings.Contains(err.Error(), what) {
				t.Errorf("ListPackages: %d packages, error %v; want an error saying %q", len(pkgs), err, what)
			}
		})
		if pf.fault == openstacktest.FaultNoNextLink {
			continue // a page of names is full only with as many names as the limit
		}
		t.Run("CreateAccount refuses a server-names page with "+pf.fault.String()+" and creates nothing", func(t *testing.T) {
			srv := openstacktest.New(openstacktest.Options{})
			t.Cleanup(srv.Close)
			c := newClient(t, testConfig(srv))
			srv.FailAfter(pf.fault, 1, 1) // the flavors pass, the names do not
			_, err := c.CreateAccount(t.Context(), provider.NewAccount{Domain: "new.example.com", Product: "m1.small"})
			if err == nil || srv.Calls(openstacktest.FuncCreateServer) != 0 || srv.Calls(openstacktest.FuncListNames) != 1 {
				t.Errorf("CreateAccount: error %v after %d name listings and %d create requests; want an error after 1 and none",
					err, srv.Calls(openstacktest.FuncListNames), srv.Calls(openstacktest.FuncCreateServer))
			}
		})
	}
	for _, act := range []string{"suspend", "unsuspend"} {
		t.Run("a server read as {} fails "+act+" and changes nothing", func(t *testing.T) {
			srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(7)})
			t.Cleanup(srv.Close)
			c := newClient(t, testConfig(srv))
			accts, err := c.ListAccounts(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			a := accts[0]
			if act == "unsuspend" {
				a = accts[6] // suspended
			}
			srv.SetFault(openstacktest.FaultEmptyObject)
			if act == "suspend" {
				err = c.SuspendAccount(t.Context(), a, "")
			} else {
				err = c.UnsuspendAccount(t.Context(), a)
			}
			if err == nil || !strings.Contains(err.Error(), `no "server"`) || srv.Calls(openstacktest.FuncServerAction) != 0 {
				t.Errorf("%s: %v after %d actions; want an error saying so and no action", act, err, srv.Calls(openstacktest.FuncServerAction))
			}
		})
	}
}

func TestNovaWordings(t *testing.T) {
	newCloud := func(t *testing.T) (*openstacktest.Server, *openstack.Client, []provider.Account) {
		srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(3)})
		t.Cleanup(srv.Close)
		c := newClient(t, testConfig(srv))
		accts, err := c.ListAccounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return srv, c, accts
	}
	t.Run(`terminate takes "Instance could not be found" (gone during the call) as done`, func(t *testing.T) {
		srv, c, accts := newCloud(t)
		srv.FailNext(openstacktest.FaultDeletedMeanwhile, 1)
		if err := c.TerminateAccount(t.Context(), accts[0]); err != nil {
			t.Errorf("TerminateAccount: %v, want nil", err)
		}
		if len(srv.Accounts()) != 2 {
			t.Errorf("%d servers left, want 2", len(srv.Accounts()))
		}
	})
	t.Run(`terminate takes "Instance <id> could not be found." (gone before) as done`, func(t *testing.T) {
		srv, c, accts := newCloud(t)
		srv.Delete(accts[0].UniqueIdentifier)
		if err := c.TerminateAccount(t.Context(), accts[0]); err != nil {
			t.Errorf("TerminateAccount: %v, want nil", err)
		}
	})
	t.Run(`terminate does not take a 404 for an unknown path as done`, func(t *testing.T) {
		srv, c, accts := newCloud(t)
		srv.FailNext(openstacktest.FaultUnknownPath, 1)
		err := c.TerminateAccount(t.Context(), accts[0])
		if err == nil || !strings.Contains(err.Error(), "The resource could not be found.") {
			t.Errorf("TerminateAccount: %v, want Nova's 404 as an error", err)
		}
		if len(srv.Accounts()) != 3 {
			t.Errorf("%d servers left, want 3", len(srv.Accounts()))
		}
	})
	t.Run(`terminating a locked server ("Instance <id> is locked") is an error`, func(t *testing.T) {
		srv, c, accts := newCloud(t)
		srv.Lock(accts[0].UniqueIdentifier, true)
		err := c.TerminateAccount(t.Context(), accts[0])
		if err == nil || !strings.Contains(err.Error(), "is locked") || errors.Is(err, provider.ErrNotFound) {
			t.Errorf("TerminateAccount: %v, want a 409 saying it is locked", err)
		}
	})
	t.Run(`suspending a locked server is an error`, func(t *testing.T) {
		srv, c, accts := newCloud(t)
		srv.Lock(accts[0].UniqueIdentifier, true)
		if err := c.SuspendAccount(t.Context(), accts[0], ""); err == nil || !strings.Contains(err.Error(), "is locked") {
			t.Errorf("SuspendAccount: %v, want a 409 saying it is locked", err)
		}
	})
	t.Run(`suspending a server another request is suspending ("while it is in task_state suspending") succeeds`, func(t *testing.T) {
		srv, c, accts := newCloud(t)
		id := accts[0].UniqueIdentifier
		srv.OnNext(openstacktest.FuncServerAction, func() { srv.SetTaskState(id, "suspending") })
		if err := c.SuspendAccount(t.Context(), accts[0], ""); err != nil {
			t.Errorf("SuspendAccount: %v, want nil", err)
		}
	})
	t.Run(`a flavor that is gone ("Flavor <id> could not be found.") lists by its id`, func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(1), MaxMicroversion: "2.1"})
		t.Cleanup(srv.Close)
		srv.RemoveFlavor("m1.small")
		accts, err := newClient(t, testConfig(srv)).ListAccounts(t.Context())
		if err != nil || len(accts) != 1 || accts[0].Product == "m1.small" || accts[0].Product != accts[0].Extra["flavor_id"] {
			t.Fatalf("listing %+v, %v; want the flavor id as the product", accts, err)
		}
	})
	t.Run("a 404 for an unknown path is not a deleted flavor", func(t *testing.T) {
		srv := openstacktest.New(openstacktest.Options{Accounts: manyAccounts(1), MaxMicroversion: "2.1"})
		t.Cleanup(srv.Close)
		c := newClient(t, testConfig(srv))
		if _, err := c.ListAccounts(t.Context()); err != nil {
			t.Fatal(err)
		}
		srv.FailAfter(openstacktest.FaultUnknownPath, 1, 1) // the servers page passes, the flavor lookup 404s
		accts, err := c.ListAccounts(t.Context())
		wantNoListing(t, accts, err, "list accounts", "The resource could not be found.")
	})
}
