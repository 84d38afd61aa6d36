package solusvm_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/solusvm"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     solusvm.Config
		wantErr string
	}{
		{"a SolusVM 1 config with id and key is accepted", solusvm.Config{BaseURL: "https://m.example.com:5656", Username: "id", APIToken: "key"}, ""},
		{"a SolusVM 2 config with a token is accepted", solusvm.Config{BaseURL: "https://s.example.com", APIVersion: 2, APIToken: "t"}, ""},
		{"a base URL that already names the API path is accepted", solusvm.Config{BaseURL: "https://m.example.com:5656/api/admin/command.php", Username: "id", APIToken: "key"}, ""},
		{"a missing base URL is refused", solusvm.Config{Username: "id", APIToken: "key"}, "Config.BaseURL is required"},
		{"a base URL without a scheme is refused", solusvm.Config{BaseURL: "m.example.com", Username: "id", APIToken: "key"}, "invalid Config.BaseURL"},
		{"SolusVM 1 without the API ID is refused", solusvm.Config{BaseURL: "https://m.example.com", APIToken: "key"}, "Config.Username (the SolusVM 1 API ID)"},
		{"SolusVM 1 without the API key is refused", solusvm.Config{BaseURL: "https://m.example.com", Username: "id"}, "Config.APIToken (the SolusVM 1 API key)"},
		{"SolusVM 2 without a token is refused", solusvm.Config{BaseURL: "https://s.example.com", APIVersion: 2}, "Config.APIToken (the SolusVM 2 API token)"},
		{"an API version other than 1 or 2 is refused", solusvm.Config{BaseURL: "https://s.example.com", APIVersion: 3, APIToken: "t"}, "Config.APIVersion 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := solusvm.New(tc.cfg)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("New: %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestFromServer(t *testing.T) {
	tests := []struct {
		name    string
		server  provider.Server
		version int
		wantErr string
	}{
		{"a server without api_version speaks SolusVM 1, the key taken from Password",
			provider.Server{Hostname: "m.example.com", Secure: true, Username: "id", Password: "key"}, 1, ""},
		{"a SolusVM 1 server may keep the key in AccessHash",
			provider.Server{Hostname: "m.example.com", Username: "id", AccessHash: "key"}, 1, ""},
		{"api_version 2 speaks SolusVM 2 with the token from AccessHash",
			provider.Server{Hostname: "s.example.com", Secure: true, AccessHash: "tok", Params: map[string]string{"api_version": "2"}}, 2, ""},
		{"api_version v2 is read as 2",
			provider.Server{Hostname: "s.example.com", Secure: true, Password: "tok", Params: map[string]string{"api_version": "v2"}}, 2, ""},
		{"an unknown api_version is refused",
			provider.Server{Name: "x", Hostname: "s.example.com", Password: "tok", Params: map[string]string{"api_version": "3"}}, 0, `param "api_version" is "3"`},
		{"a concurrency that is not a number is refused",
			provider.Server{Name: "x", Hostname: "m.example.com", Username: "id", Password: "key", Params: map[string]string{"concurrency": "many"}}, 0, `param "concurrency" is "many"`},
		{"an unknown timezone is refused",
			provider.Server{Name: "x", Hostname: "m.example.com", Username: "id", Password: "key", Params: map[string]string{"timezone": "Mars/Olympus"}}, 0, `param "timezone" is "Mars/Olympus"`},
		{"an unknown param is refused, naming the known ones",
			provider.Server{Name: "x", Hostname: "m.example.com", Username: "id", Password: "key", Params: map[string]string{"zone": "UTC"}}, 0, `unknown param "zone" (known: `},
		{"a server without a host is refused",
			provider.Server{Name: "x", Username: "id", Password: "key"}, 0, "no hostname"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := solusvm.FromServer(tc.server)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("FromServer: %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromServer: %v", err)
			}
			if c.APIVersion() != tc.version {
				t.Errorf("APIVersion %d, want %d", c.APIVersion(), tc.version)
			}
			if c.Metadata().Type != "solusvm" {
				t.Errorf("Metadata().Type %q", c.Metadata().Type)
			}
		})
	}
	t.Run("a registry builds a SolusVM client by type", func(t *testing.T) {
		reg := provider.Registry{"solusvm": provider.FactoryOf(solusvm.FromServer)}
		p, err := reg.New(provider.Server{Type: "solusvm", Hostname: "m.example.com", Username: "id", Password: "key"})
		if err != nil || p.Metadata().UniqueIdentifierField != "customfield.vserverid" {
			t.Fatalf("Registry.New: %v, %v", p, err)
		}
	})
}

func TestConfigHidesSecrets(t *testing.T) {
	cfg := solusvm.Config{BaseURL: "https://m.example.com:5656", Username: "the-api-id-123", Password: "the-password-456", APIToken: "the-api-key-789"}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", cfg)
	for _, out := range []string{cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), logged.String()} {
		for _, secret := range []string{cfg.Username, cfg.Password, cfg.APIToken} {
			if strings.Contains(out, secret) {
				t.Errorf("%q shows the secret %q", out, secret)
			}
		}
		if !strings.Contains(out, "m.example.com") {
			t.Errorf("%q does not name the panel", out)
		}
	}
}
