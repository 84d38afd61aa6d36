package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
)

func TestServerBaseURL(t *testing.T) {
	tests := []struct {
		name    string
		srv     provider.Server
		want    string
		wantErr bool
	}{
		{name: "a secure server uses https and the secure default port", srv: provider.Server{Hostname: "panel.example.com", Secure: true}, want: "https://panel.example.com:2087"},
		{name: "an insecure server uses http and the plain default port", srv: provider.Server{Hostname: "panel.example.com"}, want: "http://panel.example.com:2086"},
		{name: "an explicit port wins", srv: provider.Server{Hostname: "panel.example.com", Secure: true, Port: 443}, want: "https://panel.example.com:443"},
		{name: "the IP is used when there is no hostname", srv: provider.Server{IP: "192.0.2.4", Secure: true}, want: "https://192.0.2.4:2087"},
		{name: "an IPv6 address is bracketed", srv: provider.Server{IP: "2001:db8::4", Secure: true}, want: "https://[2001:db8::4]:2087"},
		{name: "a port in the hostname field wins", srv: provider.Server{Hostname: "127.0.0.1:39001", Secure: true}, want: "https://127.0.0.1:39001"},
		{name: "a hostname given as a URL is taken as it is", srv: provider.Server{Hostname: "http://127.0.0.1:8080/"}, want: "http://127.0.0.1:8080"},
		{name: "an https URL with Secure set is taken as it is, path included", srv: provider.Server{Hostname: "https://cloud.example.com/identity/v3", Secure: true}, want: "https://cloud.example.com/identity/v3"},
		{name: "a scheme in capitals is read as the same scheme", srv: provider.Server{Hostname: "HTTPS://panel.example.com:8443", Secure: true}, want: "https://panel.example.com:8443"},
		{name: "an http URL with Secure set is an error, not a silent downgrade", srv: provider.Server{Hostname: "http://panel.example.com:2087", Secure: true}, wantErr: true},
		{name: "an https URL without Secure is an error, not a guess", srv: provider.Server{Hostname: "https://panel.example.com:2087"}, wantErr: true},
		{name: "an http URL in the IP field with Secure set is an error", srv: provider.Server{IP: "http://192.0.2.4:2087", Secure: true}, wantErr: true},
		{name: "a scheme other than http and https is an error", srv: provider.Server{Hostname: "ftp://panel.example.com", Secure: true}, wantErr: true},
		{name: "a server with no address is an error", srv: provider.Server{Name: "web1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.srv.BaseURL(2087, 2086)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %t", err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "provider: server ") {
				t.Errorf("error %q lacks the package and server prefix", err)
			}
			if got != tt.want {
				t.Errorf("BaseURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServerMasksSecrets(t *testing.T) {
	s := provider.Server{Type: "cpanel", Name: "web1", Hostname: "h", Username: "root", Password: "hunter2-pw", AccessHash: "TOKEN-abc123"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("server", "server", s)
	n := provider.NewAccount{Username: "jo", Password: "s3cret-pass"}
	slog.New(slog.NewTextHandler(&buf, nil)).Info("create", "account", n)
	for _, out := range []string{buf.String(), s.String(), fmt.Sprint(s), fmt.Sprintf("%v", n), n.String()} {
		for _, secret := range []string{"hunter2-pw", "TOKEN-abc123", "s3cret-pass"} {
			if strings.Contains(out, secret) {
				t.Errorf("secret %q leaked in %q", secret, out)
			}
		}
	}
	if !strings.Contains(buf.String(), "REDACTED") {
		t.Errorf("log does not say a secret was set: %s", buf.String())
	}
}

func TestServerJSON(t *testing.T) {
	in := `{"type":"plesk","name":"web2","hostname":"web2.example.com","port":8443,"secure":true,"username":"admin","password":"pw","params":{"realm":"pve"},"timeout":"45s"}`
	var s provider.Server
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	if s.Timeout != 45*time.Second || s.Port != 8443 || !s.Secure || s.Params["realm"] != "pve" || s.Password != "pw" {
		t.Errorf("decoded %+v", s)
	}
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"timeout":"45s"`) {
		t.Errorf("marshalled %s", out)
	}
	if err := json.Unmarshal([]byte(`{"name":"x","timeout":"soon"}`), &s); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("bad timeout gave %v", err)
	}
}

type staticProvider struct{ md provider.Metadata }

func (p staticProvider) Metadata() provider.Metadata                              { return p.md }
func (p staticProvider) ListAccounts(context.Context) ([]provider.Account, error) { return nil, nil }

func TestRegistry(t *testing.T) {
	reg := provider.Registry{
		"static": func(s provider.Server) (provider.Provider, error) {
			return staticProvider{provider.Metadata{Type: "static"}}, nil
		},
		"broken": func(s provider.Server) (provider.Provider, error) { return nil, errors.New("no hostname") },
	}
	t.Run("FactoryOf adapts a FromServer that returns a concrete client", func(t *testing.T) {
		fromServer := func(s provider.Server) (*staticProvider, error) {
			if s.Hostname == "" {
				return nil, errors.New("no hostname")
			}
			return &staticProvider{provider.Metadata{Type: "concrete"}}, nil
		}
		r := provider.Registry{"concrete": provider.FactoryOf(fromServer)}
		if p, err := r.New(provider.Server{Type: "concrete", Hostname: "h"}); err != nil || p.Metadata().Type != "concrete" {
			t.Fatalf("New = %v, %v", p, err)
		}
		// A failed FromServer must not come back as a non-nil interface
		// holding a nil pointer.
		if p, err := r.New(provider.Server{Type: "concrete"}); err == nil || p != nil {
			t.Fatalf("New = %v, %v; want nil and an error", p, err)
		}
	})
	t.Run("a known type builds its provider", func(t *testing.T) {
		p, err := reg.New(provider.Server{Type: "static"})
		if err != nil || p.Metadata().Type != "static" {
			t.Fatalf("New = %v, %v", p, err)
		}
	})
	t.Run("an unknown type is not supported and lists the known ones", func(t *testing.T) {
		_, err := reg.New(provider.Server{Type: "ispconfig", Name: "web9"})
		if !errors.Is(err, provider.ErrNotSupported) || !strings.Contains(err.Error(), "broken, static") || !strings.Contains(err.Error(), "web9") {
			t.Fatalf("New = %v", err)
		}
	})
	t.Run("a factory error names the server", func(t *testing.T) {
		_, err := reg.New(provider.Server{Type: "broken", Name: "web3"})
		if err == nil || !strings.Contains(err.Error(), `"web3"`) {
			t.Fatalf("New = %v", err)
		}
	})
}
