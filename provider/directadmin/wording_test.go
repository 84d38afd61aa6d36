package directadmin_test

import (
	"errors"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
)

// The wording faults of directadmintest answer with DirectAdmin's own
// messages (its lang/en/internal/*.txt tables; the fake cites each). These
// tests check what each one means to the client, and that terminate and
// suspend decide by the server's state where the words and the state
// disagree.

func TestTerminateWhenTheUserVanishesBeforeTheDelete(t *testing.T) {
	tests := []struct {
		name  string
		login string // "" for the admin
	}{
		{name: "an admin's terminate returns nil once the panel says the user did not exist", login: ""},
		{name: "a reseller's terminate returns nil on the same words, where only the words can tell", login: "admin|resone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := directadmintest.NewServer(t, resellerSeed()...)
			c := newClient(t, srv, func(cfg *directadmin.Config) {
				if tt.login != "" {
					cfg.Username = tt.login
				}
			})
			// The config read still finds carol; the delete then answers
			// "User carol did not exist on the server.  Removing it from
			// your list." and, as the panel does, carol is gone.
			srv.FailFunction("CMD_API_SELECT_USERS", directadmintest.FaultUserDidNotExist)
			err := c.TerminateAccount(t.Context(), provider.Account{Username: "carol", Domain: "carol.example"})
			if err != nil {
				t.Fatalf("TerminateAccount = %v, want nil", err)
			}
			if n := srv.Calls("CMD_API_SELECT_USERS"); n != 1 {
				t.Errorf("the delete was sent %d times, want once", n)
			}
			for _, a := range srv.Accounts() {
				if a.Username == "carol" {
					t.Error("carol is still on the server")
				}
			}
		})
	}
}

func TestTerminateDecidesByTheListOfUsers(t *testing.T) {
	t.Run("words that say the user is missing while the server still lists it are an error", func(t *testing.T) {
		srv := directadmintest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		srv.FailFunction("CMD_API_SELECT_USERS", directadmintest.FaultUserDoesNotExist)
		err := c.TerminateAccount(t.Context(), provider.Account{Username: "alice", Domain: "alice.example"})
		if err == nil {
			t.Fatal("TerminateAccount = nil for a user the server still lists")
		}
		if errors.Is(err, provider.ErrNotFound) {
			t.Errorf("err = %v matches ErrNotFound, though the server lists alice", err)
		}
		apiError(t, err, "terminate account")
		if n := srv.Calls("CMD_API_SHOW_ALL_USERS"); n != 1 {
			t.Errorf("CMD_API_SHOW_ALL_USERS was called %d times, want once, to settle the failure", n)
		}
	})
	t.Run("a user the server does not list is gone whatever the words of the refusal", func(t *testing.T) {
		srv := directadmintest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		// The config read of a user that does not exist answers with words
		// the client reads as a refusal, not as a missing user.
		srv.FailUser("ghost", directadmintest.FaultNotYourUser)
		if err := c.TerminateAccount(t.Context(), provider.Account{Username: "ghost", Domain: "ghost.example"}); err != nil {
			t.Fatalf("TerminateAccount = %v, want nil", err)
		}
		if n := srv.Calls("CMD_API_SELECT_USERS"); n != 0 {
			t.Errorf("a delete was sent %d times for a user that is not there", n)
		}
	})
	t.Run("a reseller whose own list lacks the user keeps a refusal an error", func(t *testing.T) {
		srv := directadmintest.NewServer(t, resellerSeed()...)
		c := newClient(t, srv, func(cfg *directadmin.Config) { cfg.Username = "admin|resone" })
		err := c.TerminateAccount(t.Context(), provider.Account{Username: "alice", Domain: "alice.example"})
		if !errors.Is(err, provider.ErrUnauthorized) || errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("TerminateAccount of another owner's user = %v, want ErrUnauthorized only", err)
		}
		if len(srv.Accounts()) != len(resellerSeed()) {
			t.Error("a user was deleted")
		}
	})
	t.Run("a refused login is not followed by a look at the list of users", func(t *testing.T) {
		srv := directadmintest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		srv.FailFunction("CMD_API_SELECT_USERS", directadmintest.FaultUnauthorized)
		err := c.TerminateAccount(t.Context(), provider.Account{Username: "alice", Domain: "alice.example"})
		if !errors.Is(err, provider.ErrUnauthorized) {
			t.Fatalf("TerminateAccount = %v, want ErrUnauthorized", err)
		}
		if n := srv.Calls("CMD_API_SHOW_ALL_USERS"); n != 0 {
			t.Errorf("CMD_API_SHOW_ALL_USERS was called %d times after the login was refused", n)
		}
	})
	t.Run("a delete that fails with HTTP 500 is settled by the list, and kept when the user is still there", func(t *testing.T) {
		srv := directadmintest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		srv.FailFunction("CMD_API_SELECT_USERS", directadmintest.FaultServerError)
		err := c.TerminateAccount(t.Context(), provider.Account{Username: "alice", Domain: "alice.example"})
		if !errors.Is(err, provider.ErrTransient) {
			t.Fatalf("TerminateAccount = %v, want ErrTransient", err)
		}
		if n := srv.Calls("CMD_API_SELECT_USERS"); n != 1 {
			t.Errorf("the delete was sent %d times; a write is never retried once it reached the panel", n)
		}
	})
}

func TestSuspendWhenSomeoneElseGotThereFirst(t *testing.T) {
	tests := []struct {
		name    string
		fault   directadmintest.Fault
		user    string // alice is active, bob suspended
		suspend bool
		wantErr bool
	}{
		{name: "suspend returns nil when the panel says the user is already suspended", fault: directadmintest.FaultAlreadySuspended,
			user: "alice", suspend: true},
		{name: "unsuspend returns nil when the panel says the user is already unsuspended", fault: directadmintest.FaultAlreadyUnsuspended,
			user: "bob", suspend: false},
		{name: "unsuspend fails when the refusal left the user suspended", fault: directadmintest.FaultAlreadySuspended,
			user: "bob", suspend: false, wantErr: true},
		{name: "suspend fails when the panel would not let the login act on the user", fault: directadmintest.FaultNoControl,
			user: "alice", suspend: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := directadmintest.NewServer(t, seed()...)
			c := newClient(t, srv, nil)
			srv.FailFunction("CMD_API_SELECT_USERS", tt.fault)
			a := provider.Account{Username: tt.user}
			var err error
			if tt.suspend {
				err = c.SuspendAccount(t.Context(), a, "")
			} else {
				err = c.UnsuspendAccount(t.Context(), a)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %t", err, tt.wantErr)
			}
			if n := srv.Calls("CMD_API_SELECT_USERS"); n != 1 {
				t.Errorf("the toggle was sent %d times, want once", n)
			}
		})
	}
}

func TestEveryWordingMapsToItsSentinel(t *testing.T) {
	none := []error{provider.ErrNotFound, provider.ErrExists, provider.ErrUnauthorized}
	tests := []struct {
		fault directadmintest.Fault
		op    string // "create", "terminate" (the delete), "password" (the change) or "suspend" (the config read)
		want  error  // nil: no sentinel
	}{
		{directadmintest.FaultUserDidNotExist, "password", provider.ErrNotFound},
		{directadmintest.FaultUserDoesNotExist, "suspend", provider.ErrNotFound},
		{directadmintest.FaultNoSuchUser, "suspend", provider.ErrNotFound},
		{directadmintest.FaultNotYourUser, "suspend", provider.ErrUnauthorized},
		{directadmintest.FaultNotCreatedByYou, "terminate", provider.ErrUnauthorized},
		{directadmintest.FaultNoControl, "terminate", provider.ErrUnauthorized},
		{directadmintest.FaultAuthorityLevel, "suspend", provider.ErrUnauthorized},
		{directadmintest.FaultAlreadySuspended, "terminate", nil},
		{directadmintest.FaultAlreadyUnsuspended, "terminate", nil},
		{directadmintest.FaultUsernameTaken, "create", provider.ErrExists},
		{directadmintest.FaultUserExists, "create", provider.ErrExists},
		{directadmintest.FaultUserOnOtherServer, "create", provider.ErrExists},
		{directadmintest.FaultDomainTaken, "create", provider.ErrExists},
		{directadmintest.FaultDomainOnOtherServer, "create", provider.ErrExists},
		{directadmintest.FaultPackageNotFound, "create", provider.ErrNotFound},
		{directadmintest.FaultAuthorityLevel, "create", provider.ErrUnauthorized},
	}
	covered := map[directadmintest.Fault]bool{}
	for _, tt := range tests {
		covered[tt.fault] = true
		want := "no sentinel"
		if tt.want != nil {
			want = tt.want.Error()
		}
		t.Run(tt.op+" answered "+tt.fault.String()+" gives "+want, func(t *testing.T) {
			// With a reseller's login the list of users proves nothing, so
			// the words alone decide, which is what this test is about.
			srv := directadmintest.NewServer(t, resellerSeed()...)
			c := newClient(t, srv, func(cfg *directadmin.Config) { cfg.Username = "admin|resone" })
			carol := provider.Account{Username: "carol", Domain: "carol.example"}
			var err error
			switch tt.op {
			case "create":
				srv.FailFunction("CMD_API_ACCOUNT_USER", tt.fault)
				_, err = c.CreateAccount(t.Context(), provider.NewAccount{Username: "newbie", Domain: "newbie.example",
					Email: "n@example.com", Password: "Newbie-Pass1", Product: "Starter"})
			case "terminate":
				srv.FailFunction("CMD_API_SELECT_USERS", tt.fault)
				carol.Username = "dave"
				carol.Domain = "dave.example"
				err = c.TerminateAccount(t.Context(), carol)
			case "password":
				srv.FailFunction("CMD_API_USER_PASSWD", tt.fault)
				err = c.SetPassword(t.Context(), carol, "Carol-Pass1")
			case "suspend":
				// ghost is on no list the reseller can read.
				srv.FailUser("ghost", tt.fault)
				err = c.SuspendAccount(t.Context(), provider.Account{Username: "ghost"}, "")
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range none {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %t", err, s, got)
				}
			}
		})
	}
	for _, f := range directadmintest.Wordings() {
		if !covered[f] {
			t.Errorf("wording fault %s is not tested", f)
		}
	}
}
