package plesk_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
)

// post sends a raw packet to the fake as the administrator.
func post(t *testing.T, srv *plesktest.Server, packet string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+plesktest.AgentPath, strings.NewReader(packet))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("HTTP_AUTH_LOGIN", plesktest.Username)
	req.Header.Set("HTTP_AUTH_PASSWD", plesktest.Password)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func find(accounts []provider.Account, domain string) (provider.Account, bool) {
	for _, a := range accounts {
		if a.Domain == domain {
			return a, true
		}
	}
	return provider.Account{}, false
}

func newAccount(domain, username, email string) provider.NewAccount {
	return provider.NewAccount{Domain: domain, Username: username, Email: email, Password: "Cr3ate-Passw0rd!", Product: "Unlimited"}
}

func TestCreateAccount(t *testing.T) {
	ctx := context.Background()
	t.Run("a new e-mail creates a customer whose login is the username", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		n := newAccount("gamma.example", "gammaftp", "gamma@example.org")
		n.Extra = map[string]string{plesk.ExtraName: "Gamma Person"}
		got, err := newClient(t, srv, nil).CreateAccount(ctx, n)
		require.NoError(t, err)
		assert.Equal(t, 1, srv.Calls("customer.add"))
		assert.Equal(t, "gamma@example.org", got.Email)
		assert.Equal(t, "gammaftp", got.Extra[plesk.ExtraOwnerLogin])
		assert.Equal(t, plesk.OwnerCustomer, got.Extra[plesk.ExtraOwnerType])
		assert.Contains(t, string(lastRequest(srv, "customer.add")), "<pname>Gamma Person</pname>")
	})
	t.Run("the created account is what the listing shows", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		got, err := c.CreateAccount(ctx, newAccount("gamma.example", "gammaftp", "gamma@example.org"))
		require.NoError(t, err)
		listed, err := c.ListAccounts(ctx)
		require.NoError(t, err)
		want, ok := find(listed, "gamma.example")
		require.True(t, ok)
		assert.Equal(t, want, got)
		fromFake, _ := find(srv.Accounts(), "gamma.example")
		assert.Equal(t, fromFake, got)
		assert.Equal(t, provider.Account{
			Email: "gamma@example.org", Username: "gammaftp", Domain: "gamma.example", UniqueIdentifier: "gamma.example",
			Product: "Unlimited", PrimaryIP: "192.0.2.10", Created: got.Created, Status: provider.StatusActive,
		}, provider.Account{Email: got.Email, Username: got.Username, Domain: got.Domain, UniqueIdentifier: got.UniqueIdentifier,
			Product: got.Product, PrimaryIP: got.PrimaryIP, Created: got.Created, Status: got.Status})
		pw, _ := srv.Password("gamma.example")
		assert.Equal(t, "Cr3ate-Passw0rd!", pw)
	})
	t.Run("an existing customer's e-mail is reused whatever its case", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		alpha, _ := find(srv.Accounts(), "alpha.example")
		got, err := newClient(t, srv, nil).CreateAccount(ctx, newAccount("gamma.example", "gammaftp", "ALPHA@Example.com"))
		require.NoError(t, err)
		assert.Zero(t, srv.Calls("customer.add"))
		assert.Equal(t, alpha.Extra[plesk.ExtraOwnerID], got.Extra[plesk.ExtraOwnerID])
		assert.Equal(t, "alpha@example.com", got.Email)
	})
	t.Run("owner_login picks a reseller as the owner", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		n := newAccount("gamma.example", "gammaftp", "")
		n.Extra = map[string]string{plesk.ExtraOwnerLogin: "resel"}
		got, err := newClient(t, srv, nil).CreateAccount(ctx, n)
		require.NoError(t, err)
		assert.Equal(t, "reseller@example.net", got.Email)
		assert.Equal(t, plesk.OwnerReseller, got.Extra[plesk.ExtraOwnerType])
		assert.Zero(t, srv.Calls("customer.add"))
	})
	t.Run("an unknown owner_login is ErrNotFound and creates nothing", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		n := newAccount("gamma.example", "gammaftp", "")
		n.Extra = map[string]string{plesk.ExtraOwnerLogin: "nobody"}
		_, err := newClient(t, srv, nil).CreateAccount(ctx, n)
		assert.ErrorIs(t, err, provider.ErrNotFound)
		assert.Contains(t, err.Error(), `"nobody"`)
		assert.Zero(t, srv.Calls("webspace.add"))
	})
	t.Run("without an e-mail the login itself owns the subscription", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		got, err := newClient(t, srv, nil).CreateAccount(ctx, newAccount("gamma.example", "gammaftp", ""))
		require.NoError(t, err)
		assert.Equal(t, plesk.OwnerAdmin, got.Extra[plesk.ExtraOwnerType])
		assert.Empty(t, got.Email)
		assert.Zero(t, srv.Calls("customer.get")+srv.Calls("customer.add"))
		assert.NotContains(t, string(lastRequest(srv, "webspace.add")), "owner-id")
	})
	t.Run("Extra ip_address overrides Config.IP", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		n := newAccount("gamma.example", "gammaftp", "gamma@example.org")
		n.Extra = map[string]string{plesk.ExtraIPAddress: "2001:db8::99"}
		got, err := newClient(t, srv, nil).CreateAccount(ctx, n)
		require.NoError(t, err)
		assert.Equal(t, "2001:db8::99", got.PrimaryIP)
	})
	t.Run("no IP address is refused before any request", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		c := newClient(t, srv, func(c *plesk.Config) { c.IP = "" })
		_, err := c.CreateAccount(ctx, newAccount("gamma.example", "gammaftp", "gamma@example.org"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ip_address")
		assert.Zero(t, srv.Calls("customer.get")+srv.Calls("webspace.add"))
	})
	t.Run("an existing domain is ErrExists and changes nothing", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		_, err := newClient(t, srv, nil).CreateAccount(ctx, newAccount("alpha.example", "otherftp", "alpha@example.com"))
		assert.ErrorIs(t, err, provider.ErrExists)
		assert.Len(t, srv.Accounts(), 3)
	})
	t.Run("a login taken by a user with another e-mail is not ErrExists", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		_, err := newClient(t, srv, nil).CreateAccount(ctx, newAccount("gamma.example", "alphaftp", "someone-else@example.org"))
		require.Error(t, err)
		assert.NotErrorIs(t, err, provider.ErrExists)
		assert.Contains(t, err.Error(), "owner_login")
		assert.Zero(t, srv.Calls("webspace.add"))
	})
	t.Run("several customers with the e-mail need owner_login", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		out := post(t, srv, `<packet><customer><add><gen_info><pname>Twin</pname><login>alphatwin</login><passwd>Tw1n-Passw0rd</passwd><email>alpha@example.com</email></gen_info></add></customer></packet>`)
		require.Contains(t, out, "<status>ok</status>")
		c := newClient(t, srv, nil)
		_, err := c.CreateAccount(ctx, newAccount("gamma.example", "gammaftp", "alpha@example.com"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "2 customers")
		got, err := c.CreateAccount(ctx, newAccount("gamma.example", "alphatwin", "alpha@example.com"))
		require.NoError(t, err, "the customer whose login is the username is chosen")
		assert.Equal(t, "alphatwin", got.Extra[plesk.ExtraOwnerLogin])
	})
	t.Run("an unknown service plan is refused with code 1013", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		n := newAccount("gamma.example", "gammaftp", "")
		n.Product = "No Such Plan"
		_, err := newClient(t, srv, nil).CreateAccount(ctx, n)
		var apiErr *provider.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "1013", apiErr.Code)
		assert.Equal(t, "create account", apiErr.Op)
	})
	t.Run("missing fields are refused before any request", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		for _, n := range []provider.NewAccount{
			{Username: "u", Password: "Passw0rd!"},
			{Domain: "d.example", Password: "Passw0rd!"},
			{Domain: "d.example", Username: "u"},
		} {
			_, err := c.CreateAccount(ctx, n)
			assert.Error(t, err, "%s", n)
		}
		assert.Zero(t, srv.Calls("customer.get")+srv.Calls("webspace.add"))
	})
}

func TestListPackagesAndPasswords(t *testing.T) {
	ctx := context.Background()
	t.Run("packages are the login's own service plans", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		pkgs, err := newClient(t, srv, nil).ListPackages(ctx)
		require.NoError(t, err)
		var names []string
		for _, p := range pkgs {
			names = append(names, p.Name)
			assert.NotEmpty(t, p.Extra["guid"])
		}
		assert.Equal(t, []string{"Default Domain", "Unlimited"}, names, "the reseller's plan is not the admin's to sell")
		assert.NotContains(t, string(lastRequest(srv, "service-plan.get")), "owner-all")
	})
	t.Run("a new password reaches the system user", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		require.NoError(t, newClient(t, srv, nil).SetPassword(ctx, provider.Account{Domain: "alpha.example"}, "Fr3sh-Passw0rd!"))
		pw, ok := srv.Password("alpha.example")
		assert.True(t, ok)
		assert.Equal(t, "Fr3sh-Passw0rd!", pw)
	})
	t.Run("suspend and unsuspend write statuses 16 and 0", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		require.NoError(t, c.SuspendAccount(ctx, provider.Account{Domain: "alpha.example"}, "unpaid"))
		assert.Contains(t, string(lastRequest(srv, "webspace.set")), "<gen_setup><status>16</status></gen_setup>")
		a, _ := find(srv.Accounts(), "alpha.example")
		assert.Equal(t, "16", a.Extra["status"])
		require.NoError(t, c.UnsuspendAccount(ctx, provider.Account{Domain: "bücher.example"}))
		a, _ = find(srv.Accounts(), "bücher.example")
		assert.Equal(t, provider.StatusActive, a.Status, "unsuspending clears every bit, 272 included")
	})
	t.Run("Config.Version is sent as the packet version", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		_, err := newClient(t, srv, func(c *plesk.Config) { c.Version = "1.6.9.1" }).ListPackages(ctx)
		require.NoError(t, err)
		assert.Contains(t, string(lastRequest(srv, "service-plan.get")), `<packet version="1.6.9.1">`)
		_, err = newClient(t, srv, nil).ListPackages(ctx)
		require.NoError(t, err)
		assert.True(t, bytes.Contains(lastRequest(srv, "service-plan.get"), []byte("<packet><service-plan>")))
	})
}
