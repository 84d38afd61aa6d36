package plesk_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
)

// node is any XML element, for reading back what the fake received.
type node struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Nodes   []node `xml:",any"`
}

// texts returns the text of every element at path ("webspace/add/gen_setup/name")
// below <packet>.
func texts(t *testing.T, packet []byte, path string) []string {
	t.Helper()
	var root node
	require.NoError(t, xml.NewDecoder(bytes.NewReader(packet)).Decode(&root), "the packet is well-formed XML")
	require.Equal(t, "packet", root.XMLName.Local)
	level := []node{root}
	for _, name := range strings.Split(path, "/") {
		var next []node
		for _, n := range level {
			for _, c := range n.Nodes {
				if c.XMLName.Local == name {
					next = append(next, c)
				}
			}
		}
		level = next
	}
	out := make([]string, 0, len(level))
	for _, n := range level {
		out = append(out, n.Text)
	}
	return out
}

// nasty holds every character that could add markup, and line breaks.
const nasty = "a&b<c>d\"e'f\ng\r\th]]>i"

// property returns the value of the named hosting property in a packet.
func property(t *testing.T, packet []byte, path, name string) []string {
	t.Helper()
	names, values := texts(t, packet, path+"/name"), texts(t, packet, path+"/value")
	require.Equal(t, len(names), len(values))
	var out []string
	for i := range names {
		if names[i] == name {
			out = append(out, values[i])
		}
	}
	return out
}

func TestValuesCannotInjectMarkup(t *testing.T) {
	ctx := context.Background()
	plan := `Gold & "Silver" <Bronze> 'x'` + "\nline two"
	password := "P@ss" + nasty
	email := "o'brien&sons@example.com"
	name := `Bob "B" <b> & 'Co'` + "\nSecond line"

	t.Run("a created account's values arrive as text and round-trip through the panel", func(t *testing.T) {
		srv := plesktest.New(plesktest.Options{Accounts: seed(), Packages: []string{"Default Domain", plan}})
		defer srv.Close()
		n := provider.NewAccount{Domain: "shop.example", Username: "shopftp", Email: email, Password: password, Product: plan,
			Extra: map[string]string{plesk.ExtraName: name}}
		got, err := newClient(t, srv, nil).CreateAccount(ctx, n)
		require.NoError(t, err)

		add := lastRequest(srv, "customer.add")
		assert.Equal(t, []string{password}, texts(t, add, "customer/add/gen_info/passwd"))
		assert.Equal(t, []string{name}, texts(t, add, "customer/add/gen_info/pname"))
		assert.Equal(t, []string{email}, texts(t, add, "customer/add/gen_info/email"))
		assert.Equal(t, []string{"shopftp"}, texts(t, add, "customer/add/gen_info/login"))

		ws := lastRequest(srv, "webspace.add")
		assert.Equal(t, []string{password}, property(t, ws, "webspace/add/hosting/vrt_hst/property", "ftp_password"))
		assert.Equal(t, []string{plan}, texts(t, ws, "webspace/add/plan-name"))
		assert.Len(t, texts(t, ws, "webspace/add/gen_setup/owner-id"), 1)
		assert.Len(t, texts(t, ws, "webspace/add/gen_setup/name"), 1)

		stored, _ := srv.Password("shop.example")
		assert.Equal(t, password, stored)
		assert.Equal(t, plan, got.Product)
		assert.Equal(t, email, got.Email)
	})

	t.Run("a domain holding markup stays one filter value in every call", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		c := newClient(t, srv, nil)
		domain := "x.example</name></filter><values><gen_setup><status>16</status></gen_setup></values><filter><name>alpha.example" + nasty
		a := provider.Account{Domain: domain}
		calls := []struct {
			name, function, path string
			do                   func() error
		}{
			{"suspend", "webspace.set", "webspace/set/filter/name", func() error { return c.SuspendAccount(ctx, a, nasty) }},
			{"unsuspend", "webspace.set", "webspace/set/filter/name", func() error { return c.UnsuspendAccount(ctx, a) }},
			{"set password", "webspace.set", "webspace/set/filter/name", func() error { return c.SetPassword(ctx, a, password) }},
			{"terminate", "webspace.del", "webspace/del/filter/name", func() error { return c.TerminateAccount(ctx, a) }},
		}
		for _, call := range calls {
			err := call.do()
			if call.name == "terminate" {
				assert.NoError(t, err, "terminating a subscription that does not exist succeeds")
			} else {
				assert.ErrorIs(t, err, provider.ErrNotFound, call.name)
			}
			received := lastRequest(srv, call.function)
			assert.Equal(t, []string{strings.TrimSpace(domain)}, texts(t, received, call.path), call.name)
			assert.Len(t, texts(t, received, strings.TrimSuffix(call.path, "/name")), 1, "%s: one filter", call.name)
		}
		alpha, ok := find(srv.Accounts(), "alpha.example")
		require.True(t, ok, "alpha.example was not deleted")
		assert.Equal(t, provider.StatusActive, alpha.Status, "alpha.example was not suspended")
	})

	t.Run("a username holding markup reaches the panel as one value and is refused", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		user := "u</login><login>admin" + nasty
		_, err := newClient(t, srv, nil).CreateAccount(ctx, provider.NewAccount{
			Domain: "user.example", Username: user, Email: "new@example.org", Password: password, Product: "Unlimited"})
		var apiErr *provider.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "1019", apiErr.Code)
		assert.NotContains(t, err.Error(), password)
		assert.Equal(t, []string{strings.TrimSpace(user)}, texts(t, lastRequest(srv, "customer.add"), "customer/add/gen_info/login"))
		assert.Zero(t, srv.Calls("webspace.add"))
	})

	t.Run("a listing echoes odd names back exactly", func(t *testing.T) {
		odd := provider.Account{Domain: "odd.example", Username: "oddftp", Email: email, Product: plan, Status: provider.StatusActive}
		srv := plesktest.NewServer(t, odd)
		got, err := newClient(t, srv, nil).ListAccounts(ctx)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, plan, got[0].Product)
		assert.Equal(t, email, got[0].Email)
	})
}
