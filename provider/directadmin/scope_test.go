package directadmin_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
)

// resellerSeed: two users of the admin, a reseller, and two users of the
// reseller.
func resellerSeed() []provider.Account {
	acct := func(user, creator, usertype string) provider.Account {
		return provider.Account{Username: user, Domain: user + ".example", Product: "Starter", PrimaryIP: "198.51.100.7",
			Status: provider.StatusActive, Extra: map[string]string{"creator": creator, "usertype": usertype}}
	}
	return []provider.Account{
		acct("alice", "admin", "user"), acct("bob", "admin", "user"), acct("resone", "admin", "reseller"),
		acct("carol", "resone", "user"), acct("dave", "resone", "user"),
	}
}

func usernames(accts []provider.Account) []string {
	var out []string
	for _, a := range accts {
		out = append(out, a.Username)
	}
	slices.Sort(out)
	return out
}

func TestScopes(t *testing.T) {
	const resellerPassword = "Res3ller-Pass!"
	tests := []struct {
		name     string
		username string
		password string // "" uses the admin's login key
		scope    directadmin.Scope
		want     []string
		refused  bool
	}{
		{name: "the server scope lists every user and reseller but no admin", username: "admin", scope: directadmin.ScopeServer,
			want: []string{"alice", "bob", "carol", "dave", "resone"}},
		{name: "the owned scope lists the admin's users and the resellers, as WHMCS does", username: "admin", scope: directadmin.ScopeOwned,
			want: []string{"alice", "bob", "resone"}},
		{name: "the owned scope with admin|reseller lists that reseller's users", username: "admin|resone", scope: directadmin.ScopeOwned,
			want: []string{"carol", "dave"}},
		{name: "a reseller's own login lists its users in the owned scope", username: "resone", password: resellerPassword, scope: directadmin.ScopeOwned,
			want: []string{"carol", "dave"}},
		{name: "the server scope with a reseller login is refused, not narrowed", username: "resone", password: resellerPassword, scope: directadmin.ScopeServer,
			refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := directadmintest.NewServer(t, resellerSeed()...)
			admin := newClient(t, srv, nil)
			if err := admin.SetPassword(t.Context(), provider.Account{Username: "resone"}, resellerPassword); err != nil {
				t.Fatal(err)
			}
			c := newClient(t, srv, func(cfg *directadmin.Config) {
				cfg.Username, cfg.Scope = tt.username, tt.scope
				if tt.password != "" {
					cfg.APIToken, cfg.Password = "", tt.password
				}
			})
			accts, err := c.ListAccounts(t.Context())
			if tt.refused {
				if !errors.Is(err, provider.ErrUnauthorized) || accts != nil {
					t.Fatalf("ListAccounts = %d accounts, %v; want ErrUnauthorized", len(accts), err)
				}
				if apiErr := apiError(t, err, "list accounts"); apiErr.StatusCode != 403 {
					t.Errorf("StatusCode = %d, want 403", apiErr.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := usernames(accts); !slices.Equal(got, tt.want) {
				t.Errorf("listed %q, want %q", got, tt.want)
			}
		})
	}
}
