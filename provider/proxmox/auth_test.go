package proxmox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/proxmox"
	"github.com/accountsync/accountsync/provider/proxmox/proxmoxtest"
)

func TestTicketLogin(t *testing.T) {
	t.Run("concurrent callers share one login, and one new login after the tickets expire", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, ticketConfig(srv, nil))
		listConcurrently := func() {
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := c.ListAccounts(context.Background()); err != nil {
						t.Errorf("ListAccounts: %v", err)
					}
				}()
			}
			wg.Wait()
		}
		listConcurrently()
		if got := srv.Calls(proxmoxtest.FnTicket); got != 1 {
			t.Errorf("%d logins for 8 concurrent first listings, want 1", got)
		}
		srv.ExpireTickets()
		listConcurrently()
		if got := srv.Calls(proxmoxtest.FnTicket); got != 2 {
			t.Errorf("%d logins after the tickets expired, want 2", got)
		}
	})

	t.Run("a ticket older than TicketRenewAfter is renewed before use", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		cfg := ticketConfig(srv, nil)
		cfg.TicketRenewAfter = 20 * time.Millisecond
		c := newClient(t, cfg)
		if _, err := c.ListAccounts(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
		if _, err := c.ListAccounts(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := srv.Calls(proxmoxtest.FnTicket); got != 2 {
			t.Errorf("%d logins, want 2 (one renewal)", got)
		}
	})

	t.Run("writes carry the CSRF token, which the fake requires", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		c := newClient(t, ticketConfig(srv, nil))
		if err := c.SuspendAccount(context.Background(), provider.Account{UniqueIdentifier: "105"}, "test"); err != nil {
			t.Fatalf("SuspendAccount with a ticket: %v", err)
		}

		// The same write without the header is refused.
		resp, err := http.PostForm(srv.URL+"/api2/json/access/ticket", url.Values{"username": {proxmoxtest.Username}, "password": {proxmoxtest.Password}})
		if err != nil {
			t.Fatal(err)
		}
		var login struct {
			Data struct {
				Ticket string `json:"ticket"`
				CSRF   string `json:"CSRFPreventionToken"`
			} `json:"data"`
		}
		json.NewDecoder(resp.Body).Decode(&login)
		resp.Body.Close()
		put := func(csrf string) *http.Response {
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/api2/json/nodes/pve1/qemu/105/config", strings.NewReader("description=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", "PVEAuthCookie="+login.Data.Ticket)
			if csrf != "" {
				req.Header.Set("CSRFPreventionToken", csrf)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		if r := put(""); r.StatusCode != 401 || r.Status != "401 Permission denied - invalid csrf token" {
			t.Errorf("a write without the CSRF token got %q, want 401 Permission denied - invalid csrf token", r.Status)
		}
		if r := put(login.Data.CSRF); r.StatusCode != 200 {
			t.Errorf("a write with the CSRF token got %q, want 200", r.Status)
		}
	})

	t.Run("a wrong password is ErrUnauthorized and the error does not hold it", func(t *testing.T) {
		srv := proxmoxtest.NewServer(t, seedAccounts()...)
		var logs syncBuffer
		cfg := ticketConfig(srv, &logs)
		cfg.Password = "Wr0ng-but-secret-pa55"
		_, err := newClient(t, cfg).ListAccounts(context.Background())
		if !errors.Is(err, provider.ErrUnauthorized) {
			t.Fatalf("ListAccounts = %v, want ErrUnauthorized", err)
		}
		for _, s := range []string{err.Error(), logs.String()} {
			if strings.Contains(s, cfg.Password) {
				t.Error("the password leaked into the error or the log")
			}
		}
	})

	t.Run("a login that asks for a second factor is ErrUnauthorized", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"data":{"username":"root@pam","ticket":"PVE:root@pam:66A1B2C3::tfa-pending","CSRFPreventionToken":"66A1B2C3:abc","NeedTFA":1}}`))
		}))
		defer srv.Close()
		c := newClient(t, proxmox.Config{BaseURL: srv.URL, Username: "root@pam", Password: "pw-for-tfa-user", RateLimit: -1})
		_, err := c.ListAccounts(context.Background())
		if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "second factor") {
			t.Errorf("ListAccounts = %v, want ErrUnauthorized naming the second factor", err)
		}
		if strings.Contains(err.Error(), "tfa-pending") {
			t.Error("the error holds the ticket")
		}
	})
}

func TestTLSPin(t *testing.T) {
	srv := proxmoxtest.New(proxmoxtest.Options{Accounts: seedAccounts(), TLS: true})
	defer srv.Close()
	t.Run("the pinned self-signed certificate is accepted", func(t *testing.T) {
		cfg := testConfig(srv, nil)
		cfg.CertSHA256 = srv.CertSHA256()
		if _, err := newClient(t, cfg).ListAccounts(context.Background()); err != nil {
			t.Errorf("ListAccounts: %v", err)
		}
	})
	t.Run("another certificate is refused", func(t *testing.T) {
		cfg := testConfig(srv, nil)
		cfg.CertSHA256 = strings.Repeat("ab", 32)
		if _, err := newClient(t, cfg).ListAccounts(context.Background()); err == nil {
			t.Error("ListAccounts succeeded against a certificate that does not match the pin")
		}
	})
}
