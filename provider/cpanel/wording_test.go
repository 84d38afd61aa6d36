package cpanel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

// The wording faults of cpaneltest answer in WHM's own words (cPanel's
// source; the fake cites each). These tests check what each one means to
// the client, and that terminate, suspend and unsuspend decide by what
// listaccts shows where the words and the state disagree.

func TestListingShapesFailEveryCallThatLists(t *testing.T) {
	ctx := context.Background()
	calls := []struct {
		name string
		do   func(*cpanel.Client) error
	}{
		{"the listing", func(c *cpanel.Client) error {
			accts, err := c.ListAccounts(ctx)
			if err == nil && accts != nil {
				t.Errorf("ListAccounts returned %d accounts with its error", len(accts))
			}
			return err
		}},
		{"a terminate that finds the user by domain", func(c *cpanel.Client) error {
			return c.TerminateAccount(ctx, provider.Account{Domain: "alice-example.com"})
		}},
		{"a suspend that finds the user by domain", func(c *cpanel.Client) error {
			return c.SuspendAccount(ctx, provider.Account{Domain: "alice-example.com"}, "")
		}},
	}
	for _, call := range calls {
		for _, f := range []cpaneltest.Fault{cpaneltest.FaultWrongShape, cpaneltest.FaultNullList, cpaneltest.FaultWrongType} {
			t.Run(call.name+" fails on "+f.String()+" and changes nothing", func(t *testing.T) {
				srv := cpaneltest.NewServer(t, seed()...)
				c := newClient(t, srv, func(cfg *cpanel.Config) { cfg.MaxRetries = -1 })
				srv.SetFault(f)
				err := call.do(c)
				if err == nil {
					t.Fatal("no error")
				}
				if errors.Is(err, provider.ErrNotFound) {
					t.Errorf("err = %v matches ErrNotFound: a broken listing was read as no account", err)
				}
				if n := srv.Calls("removeacct") + srv.Calls("suspendacct"); n != 0 {
					t.Errorf("%d writes were sent on a broken listing", n)
				}
			})
		}
	}
}

func TestWritesDecideByTheAccountsState(t *testing.T) {
	ctx := context.Background()
	alice := provider.Account{Username: "alice", Domain: "alice-example.com"}
	tests := []struct {
		name    string
		fault   cpaneltest.Fault
		do      func(*cpanel.Client) error
		wantNil bool
		want    error // when not nil: the error must match it
		notWant error // the error must not match it
	}{
		{name: "terminate of an account that is gone succeeds whatever WHM's words",
			fault: cpaneltest.FaultAPIError, do: func(c *cpanel.Client) error {
				return c.TerminateAccount(ctx, provider.Account{Username: "ghost"})
			}, wantNil: true},
		{name: "terminate keeps an error that says the account does not exist while listaccts shows it",
			fault: cpaneltest.FaultSystemUserMissing, do: func(c *cpanel.Client) error { return c.TerminateAccount(ctx, alice) },
			notWant: provider.ErrNotFound},
		{name: "terminate keeps the error of a removal that stopped halfway",
			fault: cpaneltest.FaultNotCompletelyRemoved, do: func(c *cpanel.Client) error { return c.TerminateAccount(ctx, alice) },
			notWant: provider.ErrNotFound},
		{name: "suspend of an account listaccts shows suspended succeeds",
			fault: cpaneltest.FaultAPIError, do: func(c *cpanel.Client) error {
				return c.SuspendAccount(ctx, provider.Account{Username: "bobres"}, "")
			}, wantNil: true},
		{name: "suspend of an active account keeps the error",
			fault: cpaneltest.FaultAPIError, do: func(c *cpanel.Client) error { return c.SuspendAccount(ctx, alice, "") },
			notWant: provider.ErrNotFound},
		{name: "unsuspend of an account listaccts shows active succeeds",
			fault: cpaneltest.FaultAPIError, do: func(c *cpanel.Client) error { return c.UnsuspendAccount(ctx, alice) }, wantNil: true},
		{name: "suspend of an account listaccts does not show is ErrNotFound whatever the words",
			fault: cpaneltest.FaultAPIError, do: func(c *cpanel.Client) error {
				return c.SuspendAccount(ctx, provider.Account{Username: "ghost"}, "")
			}, want: provider.ErrNotFound},
		{name: "a refusal is not followed by a look at listaccts",
			fault: cpaneltest.FaultNoAccess, do: func(c *cpanel.Client) error { return c.TerminateAccount(ctx, alice) },
			want: provider.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cpaneltest.NewServer(t, seed()...)
			c := newClient(t, srv, nil)
			srv.FailNext(tt.fault, 1)
			err := tt.do(c)
			if tt.wantNil {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if tt.notWant != nil && errors.Is(err, tt.notWant) {
				t.Errorf("err = %v matches %v", err, tt.notWant)
			}
			if tt.want == provider.ErrUnauthorized && srv.Calls("listaccts") != 0 {
				t.Errorf("listaccts was called %d times after a refusal", srv.Calls("listaccts"))
			}
		})
	}
}

func TestEveryWordingMapsToItsSentinel(t *testing.T) {
	ctx := context.Background()
	ghost := provider.Account{Username: "ghost"}
	newAcct := provider.NewAccount{Username: "newbie", Domain: "newbie.example", Password: "Pw-123456789"}
	ops := map[string]func(*cpanel.Client) error{
		"removeacct":    func(c *cpanel.Client) error { return c.TerminateAccount(ctx, ghost) },
		"suspendacct":   func(c *cpanel.Client) error { return c.SuspendAccount(ctx, ghost, "") },
		"unsuspendacct": func(c *cpanel.Client) error { return c.UnsuspendAccount(ctx, ghost) },
		"passwd":        func(c *cpanel.Client) error { return c.SetPassword(ctx, ghost, "Pw-123456789") },
		"createacct":    func(c *cpanel.Client) error { _, err := c.CreateAccount(ctx, newAcct); return err },
	}
	tests := []struct {
		fault    cpaneltest.Fault
		function string
		want     error // nil: no sentinel; a terminate of ghost that is not refused succeeds
	}{
		{cpaneltest.FaultUserNotFound, "passwd", provider.ErrNotFound},
		{cpaneltest.FaultUserNotFound, "suspendacct", provider.ErrNotFound},
		{cpaneltest.FaultNoAccess, "passwd", provider.ErrUnauthorized},
		{cpaneltest.FaultNoAccess, "removeacct", provider.ErrUnauthorized},
		{cpaneltest.FaultNotPermitted, "unsuspendacct", provider.ErrUnauthorized},
		{cpaneltest.FaultSystemUserMissing, "removeacct", nil},
		{cpaneltest.FaultNotCompletelyRemoved, "removeacct", nil},
		{cpaneltest.FaultSuspendMissing, "suspendacct", provider.ErrNotFound},
		{cpaneltest.FaultSuspendMissing, "unsuspendacct", provider.ErrNotFound},
		{cpaneltest.FaultAccessDeniedToAccount, "suspendacct", provider.ErrUnauthorized},
		{cpaneltest.FaultLockedByRoot, "unsuspendacct", provider.ErrUnauthorized},
		{cpaneltest.FaultAccountNameTaken, "createacct", provider.ErrExists},
		{cpaneltest.FaultGroupNameTaken, "createacct", provider.ErrExists},
		{cpaneltest.FaultDBOwnerTaken, "createacct", provider.ErrExists},
		{cpaneltest.FaultSameInitial, "createacct", provider.ErrExists},
		{cpaneltest.FaultReservedUsername, "createacct", nil},
	}
	covered := map[cpaneltest.Fault]bool{}
	for _, tt := range tests {
		covered[tt.fault] = true
		want := "no sentinel"
		if tt.want != nil {
			want = tt.want.Error()
		}
		t.Run(tt.function+" answered "+tt.fault.String()+" gives "+want, func(t *testing.T) {
			srv := cpaneltest.NewServer(t, seed()...)
			c := newClient(t, srv, nil)
			srv.FailNext(tt.fault, 1)
			err := ops[tt.function](c)
			if srv.Calls(tt.function) != 1 {
				t.Fatalf("%s was called %d times", tt.function, srv.Calls(tt.function))
			}
			if tt.function == "removeacct" && tt.want == nil {
				// ghost is on no list, so the terminate succeeds whatever
				// the words.
				if err != nil {
					t.Fatalf("TerminateAccount of an absent account = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range []error{provider.ErrNotFound, provider.ErrExists, provider.ErrUnauthorized} {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %t", err, s, got)
				}
			}
		})
	}
	for _, f := range cpaneltest.Wordings() {
		if !covered[f] {
			t.Errorf("wording fault %s is not tested", f)
		}
	}
}
