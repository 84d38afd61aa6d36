package directadmin_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin"
)

// panelFixtures serves answers written from DirectAdmin's documented
// shapes: path (plus ?user=) to a testdata file or an inline body.
func panelFixtures(t *testing.T, answers map[string]string, header http.Header, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); !ok {
			t.Errorf("%s without basic auth", r.URL.Path)
		}
		key := strings.TrimPrefix(r.URL.Path, "/")
		if u := r.URL.Query().Get("user"); u != "" {
			key += "?user=" + u
		}
		body, ok := answers[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if name, isFile := strings.CutPrefix(body, "@"); isFile {
			b, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Error(err)
			}
			body = string(b)
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func fixtureClient(t *testing.T, srv *httptest.Server, scope directadmin.Scope) *directadmin.Client {
	t.Helper()
	c, err := directadmin.New(directadmin.Config{BaseURL: srv.URL, Username: "admin", APIToken: "FIXTUREKEY", Scope: scope,
		RateLimit: -1, MaxRetries: -1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListingFromFixtures(t *testing.T) {
	configs := map[string]string{
		"CMD_API_SHOW_USER_CONFIG?user=alice":    "@user_alice.txt",
		"CMD_API_SHOW_USER_CONFIG?user=bob":      "@user_bob.txt",
		"CMD_API_SHOW_USER_CONFIG?user=cafeuser": "@user_idn.txt",
		"CMD_API_SHOW_USER_CONFIG?user=resone":   "@user_resone.txt",
		"CMD_API_SHOW_USER_CONFIG?user=admin":    "@user_admin.txt",
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range configs {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	t.Run("the owned scope merges users and resellers, each once, in order", func(t *testing.T) {
		srv := panelFixtures(t, with(map[string]string{
			"CMD_API_SHOW_USERS":     "list%5B%5D=alice&list%5B%5D=bob&list%5B%5D=cafeuser&list%5B%5D=resone",
			"CMD_API_SHOW_RESELLERS": "@show_resellers.txt",
		}), nil, 200)
		accts, err := fixtureClient(t, srv, directadmin.ScopeOwned).ListAccounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range accts {
			got = append(got, a.Username+"="+string(a.Status))
		}
		if want := "alice=Active bob=Suspended cafeuser=Active resone=Active"; strings.Join(got, " ") != want {
			t.Errorf("listed %q, want %q", strings.Join(got, " "), want)
		}
	})
	t.Run("the server scope leaves the admin out", func(t *testing.T) {
		srv := panelFixtures(t, with(map[string]string{"CMD_API_SHOW_ALL_USERS": `["admin","alice","resone"]`}), nil, 200)
		accts, err := fixtureClient(t, srv, directadmin.ScopeServer).ListAccounts(t.Context())
		if err != nil || len(accts) != 2 || accts[0].Username != "alice" || accts[1].Username != "resone" {
			t.Fatalf("ListAccounts = %+v, %v", accts, err)
		}
	})
	t.Run("a reseller refused the reseller list still lists its users", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/CMD_API_SHOW_USERS":
				w.Write([]byte("list%5B%5D=alice"))
			case "/CMD_API_SHOW_RESELLERS":
				b, _ := os.ReadFile(filepath.Join("testdata", "error_forbidden.txt"))
				w.WriteHeader(http.StatusForbidden)
				w.Write(b)
			default:
				b, _ := os.ReadFile(filepath.Join("testdata", "user_alice.txt"))
				w.Write(b)
			}
		}))
		t.Cleanup(srv.Close)
		accts, err := fixtureClient(t, srv, directadmin.ScopeOwned).ListAccounts(t.Context())
		if err != nil || len(accts) != 1 {
			t.Fatalf("ListAccounts = %d accounts, %v", len(accts), err)
		}
	})
	t.Run("a list entry whose config names another user fails the listing", func(t *testing.T) {
		srv := panelFixtures(t, with(map[string]string{
			"CMD_API_SHOW_ALL_USERS":                 "@show_users.txt",
			"CMD_API_SHOW_USER_CONFIG?user=caféuser": "@user_idn.txt",
		}), nil, 200)
		accts, err := fixtureClient(t, srv, directadmin.ScopeServer).ListAccounts(t.Context())
		if err == nil || accts != nil || !strings.Contains(err.Error(), `user "caféuser": malformed config: the config names user "cafeuser"`) {
			t.Fatalf("ListAccounts = %d accounts, %v", len(accts), err)
		}
	})
	t.Run("empty owned lists are an empty server", func(t *testing.T) {
		srv := panelFixtures(t, map[string]string{"CMD_API_SHOW_USERS": "", "CMD_API_SHOW_RESELLERS": "[]"}, nil, 200)
		accts, err := fixtureClient(t, srv, directadmin.ScopeOwned).ListAccounts(t.Context())
		if err != nil || accts == nil || len(accts) != 0 {
			t.Fatalf("ListAccounts = %#v, %v; want an empty, non-nil list", accts, err)
		}
	})
	for _, body := range []string{"", "[]", "list%5B%5D="} {
		t.Run("an all-users answer of "+strconv.Quote(body)+" is an error, since the admin is always listed", func(t *testing.T) {
			srv := panelFixtures(t, map[string]string{"CMD_API_SHOW_ALL_USERS": body}, nil, 200)
			accts, err := fixtureClient(t, srv, directadmin.ScopeServer).ListAccounts(t.Context())
			if err == nil || accts != nil || !strings.Contains(err.Error(), "without even the admin") {
				t.Fatalf("ListAccounts = %#v, %v", accts, err)
			}
		})
	}
	t.Run("a user config where the list was expected is an error, not an empty list", func(t *testing.T) {
		srv := panelFixtures(t, map[string]string{"CMD_API_SHOW_ALL_USERS": "@user_alice.txt"}, nil, 200)
		accts, err := fixtureClient(t, srv, directadmin.ScopeServer).ListAccounts(t.Context())
		if err == nil || accts != nil || !strings.Contains(err.Error(), "holds no user list") {
			t.Fatalf("ListAccounts = %d accounts, %v", len(accts), err)
		}
	})
}

func TestAnswersThatAreNotData(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		header   http.Header
		status   int
		sentinel error
		contains string
	}{
		{name: "X-DirectAdmin: Unauthorized with HTTP 200 is ErrUnauthorized", body: "@show_all_users.json",
			header: http.Header{"X-Directadmin": {"Unauthorized"}}, status: 200, sentinel: provider.ErrUnauthorized, contains: "X-DirectAdmin: Unauthorized"},
		{name: "the HTML login page is ErrUnauthorized", body: "@login_page.html", status: 200, sentinel: provider.ErrUnauthorized, contains: "login page"},
		{name: "a blacklisted address is ErrUnauthorized", body: "Your IP is blacklisted", status: 200, sentinel: provider.ErrUnauthorized, contains: "blacklisted"},
		{name: `"use https" asks for an https base URL`, body: "use https", status: 200, contains: "requires https"},
		{name: "a redirect to another scheme (a login key over http) is refused, naming its target", body: "", header: http.Header{"Location": {"https://127.0.0.1:1/CMD_LOGIN?redirect=yes"}}, status: 302, contains: "redirect to https://127.0.0.1:1/CMD_LOGIN refused"},
		{name: "a 403 with text and details says what was refused", body: "@error_forbidden.txt", status: 403, sentinel: provider.ErrUnauthorized, contains: "HTTP 403: You cannot execute that command"},
		{name: "truncated JSON is an undecodable answer", body: `["alice","bo`, status: 200, contains: "undecodable answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := panelFixtures(t, map[string]string{"CMD_API_SHOW_ALL_USERS": tt.body}, tt.header, tt.status)
			accts, err := fixtureClient(t, srv, directadmin.ScopeServer).ListAccounts(t.Context())
			if err == nil || accts != nil {
				t.Fatalf("ListAccounts = %d accounts, %v; want an error", len(accts), err)
			}
			apiErr := apiError(t, err, "list accounts")
			if apiErr.StatusCode != tt.status {
				t.Errorf("StatusCode = %d, want %d", apiErr.StatusCode, tt.status)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tt.sentinel)
			}
			if tt.sentinel == nil && errors.Is(err, provider.ErrUnauthorized) {
				t.Errorf("matches ErrUnauthorized: %v", err)
			}
		})
	}
}
