package cpanel_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
)

const fixtureToken = "FIXTURE0TOKEN0000000000000000ZZ"

// fixtureServer answers every request with the fixture file and status,
// after checking the whm authorization header. It counts the requests.
// fixtureServer answers every request with the file; the count it returns
// is of the requests to functions other than listaccts, so that a
// mutation's own requests are counted apart from the listaccts reads that
// find or check an account.
func fixtureServer(t *testing.T, status int, file string) (*httptest.Server, *int) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/listaccts") || strings.HasPrefix(file, "listaccts") {
			calls++
		}
		if got := r.Header.Get("Authorization"); got != "whm root:"+fixtureToken {
			t.Errorf("Authorization header = %q", got)
		}
		if r.URL.Query().Get("api.version") != "1" {
			t.Errorf("request %s lacks api.version=1", r.URL)
		}
		switch {
		case strings.HasSuffix(file, ".html"):
			w.Header().Set("Content-Type", "text/html")
		case strings.HasSuffix(file, ".json"):
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func fixtureClient(t *testing.T, srv *httptest.Server, loc *time.Location) *cpanel.Client {
	t.Helper()
	c, err := cpanel.New(cpanel.Config{
		BaseURL: srv.URL, APIToken: fixtureToken, RateLimit: -1, MaxRetries: -1, Location: loc,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListAccountsMapping(t *testing.T) {
	utc8 := time.FixedZone("UTC+8", 8*3600)
	tests := []struct {
		name string
		file string
		loc  *time.Location
		want []provider.Account
	}{
		{
			name: "odd data maps onto WHMCS records",
			file: "listaccts.json",
			want: []provider.Account{
				{Email: "alice@example.com", Username: "alice", Domain: "alice-example.com", UniqueIdentifier: "alice-example.com",
					Product: "Basic", PrimaryIP: "203.0.113.10", Created: time.Date(2021, 3, 4, 9, 15, 0, 0, time.UTC),
					Status: provider.StatusActive, Extra: map[string]string{"owner": "root"}},
				{Email: "ops@bob-reseller.net", Username: "bobres", Domain: "bob-reseller.net", UniqueIdentifier: "bob-reseller.net",
					Product: "reseller_Gold", PrimaryIP: "203.0.113.11", Created: time.Date(2019, 7, 19, 23, 59, 0, 0, time.UTC),
					Status: provider.StatusSuspended,
					Extra:  map[string]string{"owner": "bobres", "reseller": "1", "suspend_reason": "Overdue invoice #1042", "locked": "1"}},
				{Email: "", Username: "tmpuser", Domain: "tmpuser.temp.server.example", UniqueIdentifier: "tmpuser.temp.server.example",
					Product: "default", PrimaryIP: "203.0.113.10", Status: provider.StatusActive, Extra: map[string]string{"owner": "bobres"}},
				{Email: "", Username: "carol", Domain: "xn--mller-kva.example", UniqueIdentifier: "xn--mller-kva.example",
					Product: "bobres_Silver", PrimaryIP: "", Created: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC),
					Status: provider.StatusSuspended, Extra: map[string]string{"owner": "bobres"}},
				{Email: "dave@example.org", Username: "dave", Domain: "dave.example.org", UniqueIdentifier: "dave.example.org",
					Product: "Basic", PrimaryIP: "198.51.100.7", Status: provider.StatusActive, Extra: map[string]string{"owner": "root"}},
			},
		},
		{
			name: "created is the epoch rendered in the configured location, not the server-local startdate",
			file: "listaccts.json",
			loc:  utc8,
			want: nil, // checked below
		},
		{
			name: "an answer without data is an empty listing, as WHM sends for no account",
			file: "listaccts_empty.json",
			want: []provider.Account{},
		},
		{
			name: "an empty acct array is an empty listing",
			file: "listaccts_empty_array.json",
			want: []provider.Account{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := fixtureServer(t, http.StatusOK, tt.file)
			got, err := fixtureClient(t, srv, tt.loc).ListAccounts(context.Background())
			if err != nil {
				t.Fatalf("ListAccounts: %v", err)
			}
			if tt.loc != nil {
				b, _ := json.Marshal(got[0])
				if !strings.Contains(string(b), `"created":"2021-03-04 17:15:00"`) {
					t.Errorf("alice in UTC+8 = %s, want created 2021-03-04 17:15:00", b)
				}
				if got[0].Created.Location() != tt.loc {
					t.Errorf("Created location = %v, want %v", got[0].Created.Location(), tt.loc)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				gj, _ := json.MarshalIndent(got, "", " ")
				t.Errorf("got %s\nextra: %v", gj, extras(got))
			}
		})
	}
}

func extras(accts []provider.Account) []map[string]string {
	var out []map[string]string
	for _, a := range accts {
		out = append(out, a.Extra)
	}
	return out
}

func TestListAccountsFailures(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		file     string
		sentinel error  // nil: no sentinel may match
		contains string // in the error text
	}{
		{"a date that is not an epoch fails the listing and names the record", 200, "listaccts_bad_date.json", nil, `"erin"`},
		{"a missing unix_startdate fails the listing", 200, "listaccts_no_date.json", nil, `no field "unix_startdate"`},
		{"a missing suspended flag fails the listing", 200, "listaccts_no_suspended.json", nil, `no field "suspended"`},
		{"a suspended flag that is not a number fails the listing", 200, "listaccts_bad_suspended.json", nil, `"maybe" is not 0 or 1`},
		{"a record without a domain fails the listing", 200, "listaccts_no_domain.json", nil, `"ghost"`},
		{"data without its acct list fails the listing", 200, "listaccts_no_acct.json", nil, "no acct list"},
		{"a null acct list fails the listing", 200, "listaccts_null_acct.json", nil, "no acct list"},
		{"an acct object where the list belongs fails the listing", 200, "listaccts_acct_object.json", nil, "cannot be decoded"},
		{"metadata.result 0 is an error with WHM's reason", 200, "listaccts_failed.json", nil, "Unknown search type."},
		{"a WHM API 0 answer is refused", 200, "listaccts_api0.json", nil, "API 0"},
		{"the SSL redirect page says to use https on 2087", 200, "ssl_redirect.html", nil, "https on port 2087"},
		{"a proxy's HTML error page is an error with an excerpt", 200, "proxy_error.html", nil, "502 Bad Gateway"},
		{"a body that is not JSON is an error with an excerpt", 200, "not_json.txt", nil, "cpsrvd could not exec"},
		{"HTTP 403 Access denied is unauthorized", 403, "access_denied.json", provider.ErrUnauthorized, "Access denied"},
		{"HTTP 502 from a proxy is transient", 502, "proxy_error.html", provider.ErrTransient, "HTTP 502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := fixtureServer(t, tt.status, tt.file)
			accts, err := fixtureClient(t, srv, nil).ListAccounts(context.Background())
			if err == nil || accts != nil {
				t.Fatalf("ListAccounts = %d accounts, %v; want an error and no accounts", len(accts), err)
			}
			var ae *provider.APIError
			if !errors.As(err, &ae) || ae.Type != "cpanel" || ae.Op != "list accounts" || ae.StatusCode != tt.status {
				t.Fatalf("error %q (%#v) is not an APIError for cpanel/list accounts/HTTP %d", err, ae, tt.status)
			}
			if !strings.HasPrefix(err.Error(), "cpanel: list accounts: ") || !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not start with the prefix or lacks %q", err, tt.contains)
			}
			for _, s := range []error{provider.ErrNotFound, provider.ErrExists, provider.ErrUnauthorized, provider.ErrTransient} {
				if errors.Is(err, s) != (s == tt.sentinel) {
					t.Errorf("errors.Is(err, %v) = %t", s, errors.Is(err, s))
				}
			}
		})
	}
}

func TestMutationAnswers(t *testing.T) {
	alice := provider.Account{Username: "alice", Domain: "alice-example.com"}
	newAcct := provider.NewAccount{Username: "newuser", Domain: "new.example", Password: `S3cret&<New>"Pass'`, Product: "Basic"}
	tests := []struct {
		name     string
		file     string
		do       func(context.Context, *cpanel.Client) error
		sentinel error // nil with ok: success
		ok       bool
	}{
		{"suspending an account WHM says does not exist gives ErrNotFound", "suspendacct_missing.json",
			func(ctx context.Context, c *cpanel.Client) error { return c.SuspendAccount(ctx, alice, "") }, provider.ErrNotFound, false},
		{"the newer wording of a missing user gives ErrNotFound", "suspendacct_missing_new.json",
			func(ctx context.Context, c *cpanel.Client) error { return c.SuspendAccount(ctx, alice, "") }, provider.ErrNotFound, false},
		{"suspending an already suspended account succeeds", "suspendacct_already.json",
			func(ctx context.Context, c *cpanel.Client) error { return c.SuspendAccount(ctx, alice, "late") }, nil, true},
		{"a reseller acting on an account it does not own is unauthorized", "suspendacct_reseller_denied.json",
			func(ctx context.Context, c *cpanel.Client) error { return c.SuspendAccount(ctx, alice, "") }, provider.ErrUnauthorized, false},
		{"unsuspending an account that is not suspended succeeds", "unsuspendacct_not_suspended.json",
			func(ctx context.Context, c *cpanel.Client) error { return c.UnsuspendAccount(ctx, alice) }, nil, true},
		{"removing an account that is gone succeeds", "removeacct_missing.json",
			func(ctx context.Context, c *cpanel.Client) error { return c.TerminateAccount(ctx, alice) }, nil, true},
		{"setting the password of a missing account gives ErrNotFound", "removeacct_missing.json",
			func(ctx context.Context, c *cpanel.Client) error {
				return c.SetPassword(ctx, alice, "Xx-9-long-enough")
			}, provider.ErrNotFound, false},
		{"creating a taken username gives ErrExists", "createacct_user_exists.json",
			func(ctx context.Context, c *cpanel.Client) error { _, err := c.CreateAccount(ctx, newAcct); return err }, provider.ErrExists, false},
		{"creating a taken domain gives ErrExists", "createacct_domain_exists.json",
			func(ctx context.Context, c *cpanel.Client) error { _, err := c.CreateAccount(ctx, newAcct); return err }, provider.ErrExists, false},
		{"a username whose first 8 characters are taken gives ErrExists", "createacct_prefix_taken.json",
			func(ctx context.Context, c *cpanel.Client) error { _, err := c.CreateAccount(ctx, newAcct); return err }, provider.ErrExists, false},
		{"a failure that echoes the new password hides it", "createacct_echoes_password.json",
			func(ctx context.Context, c *cpanel.Client) error { _, err := c.CreateAccount(ctx, newAcct); return err }, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := fixtureServer(t, http.StatusOK, tt.file)
			err := tt.do(context.Background(), fixtureClient(t, srv, nil))
			if *calls != 1 {
				t.Errorf("%d requests, want 1", *calls)
			}
			if tt.ok {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			if err == nil {
				t.Fatal("got success, want an error")
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("error %q does not wrap %v", err, tt.sentinel)
			}
			var ae *provider.APIError
			if !errors.As(err, &ae) || ae.Type != "cpanel" || ae.StatusCode != 200 {
				t.Errorf("error %q is not an APIError from cpanel with HTTP 200", err)
			}
			for _, secret := range []string{newAcct.Password, fixtureToken, "S3cret"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(ae.Body, secret) {
					t.Errorf("error or its body excerpt contains the secret %q: %q / %q", secret, err, ae.Body)
				}
			}
		})
	}
}

func TestListPackages(t *testing.T) {
	srv, _ := fixtureServer(t, http.StatusOK, "listpkgs.json")
	got, err := fixtureClient(t, srv, nil).ListPackages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Package{
		{Name: "Basic", Extra: map[string]string{"QUOTA": "2048", "BWLIMIT": "unlimited", "MAXADDON": "0", "FEATURELIST": "default", "CGI": "y"}},
		{Name: "reseller_Gold", Extra: map[string]string{"QUOTA": "unlimited", "BWLIMIT": "unlimited", "MAXADDON": "unlimited", "FEATURELIST": "default", "CGI": "n"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListPackages =\n %+v\nwant\n %+v", got, want)
	}
}
