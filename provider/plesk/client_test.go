package plesk_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/plesk"
	"github.com/accountsync/accountsync/provider/plesk/plesktest"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     plesk.Config
		wantErr string
	}{
		{name: "a login and password are enough", cfg: plesk.Config{BaseURL: "https://plesk.example:8443", Username: "admin", Password: "pw-12345"}},
		{name: "a secret key alone is enough", cfg: plesk.Config{BaseURL: "https://plesk.example:8443", APIToken: "key-12345"}},
		{name: "a missing BaseURL is named", cfg: plesk.Config{Username: "admin", Password: "pw-12345"}, wantErr: "BaseURL"},
		{name: "missing credentials are named", cfg: plesk.Config{BaseURL: "https://plesk.example:8443"}, wantErr: "APIToken"},
		{name: "a login without a password is refused", cfg: plesk.Config{BaseURL: "https://plesk.example:8443", Username: "admin"}, wantErr: "Password"},
		{name: "a password without a login is refused", cfg: plesk.Config{BaseURL: "https://plesk.example:8443", Password: "pw-12345"}, wantErr: "Username"},
		{name: "a line break in a credential is refused", cfg: plesk.Config{BaseURL: "https://plesk.example:8443", Username: "admin", Password: "pw\r\nKEY: x"}, wantErr: "line breaks"},
		{name: "an IP that is not an address is refused", cfg: plesk.Config{BaseURL: "https://plesk.example:8443", APIToken: "key-12345", IP: "shared"}, wantErr: "Config.IP"},
		{name: "a BaseURL that is not http(s) is refused", cfg: plesk.Config{BaseURL: "ftp://plesk.example", APIToken: "key-12345"}, wantErr: "base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := plesk.New(tt.cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.NotNil(t, c)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.True(t, strings.HasPrefix(err.Error(), "plesk: "), err.Error())
			assert.NotContains(t, err.Error(), "pw-12345")
		})
	}
}

func TestFromServer(t *testing.T) {
	tests := []struct {
		name    string
		server  provider.Server
		wantErr string
	}{
		{name: "a secure server gets port 8443", server: provider.Server{Hostname: "plesk.example", Secure: true, Username: "admin", Password: "pw-12345"}},
		{name: "an access hash becomes the secret key", server: provider.Server{IP: "192.0.2.5", AccessHash: "key-12345"}},
		{name: "a bad location parameter is named", server: provider.Server{Name: "p1", Hostname: "plesk.example", AccessHash: "key-12345",
			Params: map[string]string{"timezone": "Mars/Olympus"}}, wantErr: `param "timezone"`},
		{name: "a server without a host is refused", server: provider.Server{AccessHash: "key-12345"}, wantErr: "no hostname"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := plesk.FromServer(tt.server)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "plesk", c.Metadata().Type)
		})
	}
	t.Run("the server's IP hosts new subscriptions and params override it", func(t *testing.T) {
		srv := plesktest.NewServer(t, seed()...)
		s := provider.Server{Hostname: srv.URL, IP: "192.0.2.77", Username: plesktest.Username, Password: plesktest.Password}
		c, err := plesk.FromServer(s)
		require.NoError(t, err)
		got, err := c.CreateAccount(context.Background(), newAccount("gamma.example", "gammaftp", ""))
		require.NoError(t, err)
		assert.Equal(t, "192.0.2.77", got.PrimaryIP)

		s.Params = map[string]string{"ip": "192.0.2.88", "timezone": "America/New_York"}
		c, err = plesk.FromServer(s)
		require.NoError(t, err)
		got, err = c.CreateAccount(context.Background(), newAccount("delta.example", "deltaftp", ""))
		require.NoError(t, err)
		assert.Equal(t, "192.0.2.88", got.PrimaryIP)
		assert.Equal(t, "America/New_York", got.Created.Location().String())
	})
	t.Run("a registry builds it by type", func(t *testing.T) {
		reg := provider.Registry{"plesk": provider.FactoryOf(plesk.FromServer)}
		p, err := reg.New(provider.Server{Type: "plesk", Hostname: "plesk.example", Secure: true, AccessHash: "key-12345"})
		require.NoError(t, err)
		assert.IsType(t, &plesk.Client{}, p)
	})
}

func TestMetadataMatchesWHMCS(t *testing.T) {
	c, err := plesk.New(plesk.Config{BaseURL: "https://plesk.example:8443", APIToken: "key-12345"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"DisplayName":                             "Plesk",
		"ListAccountsUniqueIdentifierField":       "domain",
		"ListAccountsUniqueIdentifierDisplayName": "Domain",
		"ListAccountsProductField":                "configoption1",
	}, c.Metadata().WHMCS())
}

func TestConfigMasksSecrets(t *testing.T) {
	cfg := plesk.Config{BaseURL: "https://plesk.example:8443", Username: "admin", Password: "pw-12345", APIToken: "key-12345",
		Location: time.UTC}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), logs.String()} {
		assert.NotContains(t, s, "pw-12345")
		assert.NotContains(t, s, "key-12345")
		assert.Contains(t, s, "admin")
	}
}
