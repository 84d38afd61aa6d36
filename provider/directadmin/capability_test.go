package directadmin_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
)

func find(accts []provider.Account, username string) (provider.Account, bool) {
	for _, a := range accts {
		if a.Username == username {
			return a, true
		}
	}
	return provider.Account{}, false
}

func TestSuspendReadsTheStateBeforeToggling(t *testing.T) {
	srv := directadmintest.NewServer(t, seed()...)
	c := newClient(t, srv, nil)
	alice, _ := find(srv.Accounts(), "alice")
	steps := []struct {
		name    string
		do      func() error
		want    provider.Status
		toggles int
	}{
		{"suspending an active user toggles once", func() error { return c.SuspendAccount(t.Context(), alice, "overdue") }, provider.StatusSuspended, 1},
		{"suspending it again sends no toggle", func() error { return c.SuspendAccount(t.Context(), alice, "overdue") }, provider.StatusSuspended, 1},
		{"unsuspending toggles once more", func() error { return c.UnsuspendAccount(t.Context(), alice) }, provider.StatusActive, 2},
		{"unsuspending an active user sends no toggle", func() error { return c.UnsuspendAccount(t.Context(), alice) }, provider.StatusActive, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			got, _ := find(srv.Accounts(), "alice")
			if got.Status != st.want {
				t.Errorf("status = %s, want %s", got.Status, st.want)
			}
			if n := srv.Calls("CMD_API_SELECT_USERS"); n != st.toggles {
				t.Errorf("%d toggles sent, want %d", n, st.toggles)
			}
		})
	}
	t.Run("a toggle that meets a 500 is not retried, so it cannot undo itself", func(t *testing.T) {
		srv.FailFunction("CMD_API_SELECT_USERS", directadmintest.FaultServerError)
		defer srv.FailFunction("CMD_API_SELECT_USERS", directadmintest.FaultNone)
		before := srv.Calls("CMD_API_SELECT_USERS")
		err := c.SuspendAccount(t.Context(), alice, "")
		if !errors.Is(err, provider.ErrTransient) {
			t.Fatalf("err = %v, want ErrTransient", err)
		}
		apiError(t, err, "suspend account")
		if n := srv.Calls("CMD_API_SELECT_USERS") - before; n != 1 {
			t.Errorf("the toggle was sent %d times, want once", n)
		}
		if got, _ := find(srv.Accounts(), "alice"); got.Status != provider.StatusActive {
			t.Errorf("status = %s after a refused toggle", got.Status)
		}
	})
}

func TestMutationsCheckTheDomain(t *testing.T) {
	srv := directadmintest.NewServer(t, seed()...)
	c := newClient(t, srv, nil)
	other := provider.Account{Username: "alice", Domain: "someone-else.example"}
	calls := map[string]func() error{
		"terminate": func() error { return c.TerminateAccount(t.Context(), other) },
		"suspend":   func() error { return c.SuspendAccount(t.Context(), other, "") },
		"password":  func() error { return c.SetPassword(t.Context(), other, "N3w-Passw0rd!") },
	}
	for _, name := range []string{"terminate", "suspend", "password"} {
		t.Run("a "+name+" of a username that now holds another domain is refused", func(t *testing.T) {
			err := calls[name]()
			if err == nil || !strings.Contains(err.Error(), `holds domain "alice.example", not "someone-else.example"`) {
				t.Fatalf("err = %v, want a refusal naming both domains", err)
			}
			if _, ok := find(srv.Accounts(), "alice"); !ok {
				t.Fatal("alice was deleted")
			}
		})
	}
	if n := srv.Calls("CMD_API_SELECT_USERS") + srv.Calls("CMD_API_USER_PASSWD"); n != 0 {
		t.Errorf("%d changes were sent", n)
	}
	t.Run("an IDN domain given in Unicode matches its A-label on the panel", func(t *testing.T) {
		if err := c.TerminateAccount(t.Context(), provider.Account{Username: "cafe", Domain: "Café.example."}); err != nil {
			t.Fatal(err)
		}
		if _, ok := find(srv.Accounts(), "cafe"); ok {
			t.Error("cafe is still there")
		}
	})
	t.Run("an account without a username is refused", func(t *testing.T) {
		err := c.TerminateAccount(t.Context(), provider.Account{Domain: "bob.example.org"})
		if err == nil || !strings.Contains(err.Error(), "no username") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestCreateAccount(t *testing.T) {
	srv := directadmintest.NewServer(t, seed()...)
	c := newClient(t, srv, func(cfg *directadmin.Config) { cfg.IP = "" })
	n := provider.NewAccount{Username: "newbie", Domain: "newbie.example", Email: "n@example.com", Password: "Str0ng-Pass!", Product: "Pro"}
	t.Run("without an IP the create is refused before any request", func(t *testing.T) {
		_, err := c.CreateAccount(t.Context(), n)
		if err == nil || !strings.Contains(err.Error(), "no IP") || srv.Calls("CMD_API_ACCOUNT_USER") != 0 {
			t.Fatalf("err = %v, calls %d", err, srv.Calls("CMD_API_ACCOUNT_USER"))
		}
	})
	t.Run("Extra[ip] gives the IP and the account comes back as listed", func(t *testing.T) {
		n := n
		n.Extra = map[string]string{"ip": "203.0.113.5"}
		got, err := c.CreateAccount(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		if got.PrimaryIP != "203.0.113.5" || got.Domain != "newbie.example" || got.Status != provider.StatusActive || got.Created.IsZero() {
			t.Errorf("created %+v", got)
		}
		if !srv.CheckPassword("newbie", n.Password) {
			t.Error("the password did not arrive intact")
		}
	})
	t.Run("a domain already on the server gives ErrExists", func(t *testing.T) {
		n := n
		n.Username, n.Domain, n.Extra = "another", "alice.example", map[string]string{"ip": "203.0.113.5"}
		_, err := c.CreateAccount(t.Context(), n)
		if !errors.Is(err, provider.ErrExists) {
			t.Fatalf("err = %v, want ErrExists", err)
		}
	})
	t.Run("a package the panel does not have gives ErrNotFound", func(t *testing.T) {
		n := n
		n.Username, n.Domain, n.Product, n.Extra = "another", "another.example", "Platinum", map[string]string{"ip": "203.0.113.5"}
		_, err := c.CreateAccount(t.Context(), n)
		if !errors.Is(err, provider.ErrNotFound) || errors.Is(err, provider.ErrExists) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

// awkward holds every character that must be encoded in a form.
const awkward = `o'brien+"x"&<y>=z;%20`

func TestValuesAreEncodedSafely(t *testing.T) {
	for _, format := range []struct {
		name string
		json bool
	}{{"in URL-encoded mode", false}, {"in JSON mode", true}} {
		t.Run(format.name, func(t *testing.T) {
			srv := directadmintest.New(directadmintest.Options{
				Accounts: seed(),
				Packages: []string{"Starter", "Gold & Silver", "a=b", "<tag>", `quote"s`, "semi;colon"},
			})
			t.Cleanup(srv.Close)
			c := newClient(t, srv, func(cfg *directadmin.Config) { cfg.JSON = format.json })
			email := awkward + "@example.com"
			password := "p&ss=w<o>rd\"'\nsecond line;"
			t.Run("an e-mail with & < > quotes and = arrives and lists back unchanged", func(t *testing.T) {
				got, err := c.CreateAccount(t.Context(), provider.NewAccount{Username: "weird", Domain: "weird.example", Email: email, Password: password, Product: "Gold & Silver"})
				if err != nil {
					t.Fatal(err)
				}
				stored, _ := find(srv.Accounts(), "weird")
				if stored.Email != email || got.Email != email || got.Product != "Gold & Silver" {
					t.Errorf("stored %q, listed %q (product %q); want %q", stored.Email, got.Email, got.Product, email)
				}
				if !srv.CheckPassword("weird", password) {
					t.Error("the password with a newline did not arrive intact")
				}
			})
			t.Run("a new password with a newline and quotes arrives intact", func(t *testing.T) {
				alice, _ := find(srv.Accounts(), "alice")
				pw := "line1\nline2 & \"<q>\" ';x=1"
				if err := c.SetPassword(t.Context(), alice, pw); err != nil {
					t.Fatal(err)
				}
				if !srv.CheckPassword("alice", pw) {
					t.Error("the password did not arrive intact")
				}
			})
			t.Run("package names with & = < quotes and ; list back unchanged", func(t *testing.T) {
				pkgs, err := c.ListPackages(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, p := range pkgs {
					names = append(names, p.Name)
				}
				if want := []string{"Starter", "Gold & Silver", "a=b", "<tag>", `quote"s`, "semi;colon"}; !slices.Equal(names, want) {
					t.Errorf("packages = %q, want %q", names, want)
				}
			})
		})
	}
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := directadmintest.NewServer(t, seed()...)
	const newPassword = "Brand-N3w-Secret!"
	const createPassword = "Creat3-Secret&Pass"
	good := newClient(t, srv, func(cfg *directadmin.Config) { cfg.Logger = logger; cfg.Password = directadmintest.Password })
	wrongKey := "WRONGKEY" + strings.Repeat("x", 40)
	bad := newClient(t, srv, func(cfg *directadmin.Config) { cfg.Logger = logger; cfg.APIToken = wrongKey })
	var errs []error
	_, err := bad.ListAccounts(t.Context())
	errs = append(errs, err)
	_, err = good.CreateAccount(t.Context(), provider.NewAccount{Username: "alice", Domain: "alice.example", Email: "a@example.com", Password: createPassword, Product: "Pro"})
	errs = append(errs, err)
	errs = append(errs, good.SetPassword(t.Context(), provider.Account{Username: "ghost", Domain: "ghost.example"}, newPassword))
	srv.SetFault(directadmintest.FaultHTML)
	_, err = good.ListAccounts(t.Context())
	errs = append(errs, err)
	srv.SetFault(directadmintest.FaultCommandError)
	errs = append(errs, good.SetPassword(t.Context(), provider.Account{Username: "alice"}, newPassword))
	srv.SetFault(directadmintest.FaultNone)
	if err := good.SetPassword(t.Context(), provider.Account{Username: "alice"}, newPassword); err != nil {
		t.Fatal(err)
	}

	secrets := []string{directadmintest.Token, directadmintest.Password, wrongKey, newPassword, createPassword,
		base64.StdEncoding.EncodeToString([]byte(directadmintest.Username + ":" + directadmintest.Token)),
		base64.StdEncoding.EncodeToString([]byte(directadmintest.Username + ":" + directadmintest.Password))}
	var outputs []string
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d did not fail", i)
		}
		outputs = append(outputs, err.Error())
		var apiErr *provider.APIError
		if errors.As(err, &apiErr) {
			outputs = append(outputs, apiErr.Body, apiErr.Message)
		}
	}
	outputs = append(outputs, logs.String())
	if !strings.Contains(logs.String(), "CMD_API_SHOW_ALL_USERS") {
		t.Fatalf("the debug log is missing the requests:\n%s", logs.String())
	}
	for _, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) || strings.Contains(out, url.QueryEscape(s)) {
				t.Errorf("secret %q appears in %q", s, out)
			}
		}
	}
}

func TestPackagesAndPasswords(t *testing.T) {
	srv := directadmintest.NewServer(t, seed()...)
	c := newClient(t, srv, nil)
	t.Run("packages list the seeded products after the default", func(t *testing.T) {
		pkgs, err := c.ListPackages(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range pkgs {
			names = append(names, p.Name)
		}
		if want := []string{"default", "Pro", "Starter"}; !slices.Equal(names, want) {
			t.Errorf("packages = %q, want %q", names, want)
		}
	})
	t.Run("setting a password for a missing user gives ErrNotFound", func(t *testing.T) {
		err := c.SetPassword(t.Context(), provider.Account{Username: "ghost"}, "Whatever-123")
		if !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
		apiError(t, err, "set password")
	})
	t.Run("an empty password is refused before any request", func(t *testing.T) {
		before := srv.Calls("CMD_API_SHOW_USER_CONFIG")
		if err := c.SetPassword(t.Context(), provider.Account{Username: "alice"}, ""); err == nil {
			t.Fatal("no error")
		}
		if srv.Calls("CMD_API_SHOW_USER_CONFIG") != before {
			t.Error("a request was sent")
		}
	})
}
