package directadmin

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUserConfigMapping(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name    string
		file    string
		user    string
		want    provider.Account
		skip    bool
		wantErr string
	}{
		{name: "a suspended user with no e-mail and a space-padded day maps to Suspended", file: "user_bob.txt", user: "bob",
			want: provider.Account{Username: "bob", Domain: "bob.example.org", UniqueIdentifier: "bob.example.org", Product: "Starter",
				PrimaryIP: "198.51.100.7", Created: utc("2019-02-05 08:01:09"), Status: provider.StatusSuspended,
				Extra: map[string]string{"usertype": "user", "creator": "admin"}}},
		{name: "the JSON form of the same user maps the same", file: "user_bob.json", user: "bob",
			want: provider.Account{Username: "bob", Domain: "bob.example.org", UniqueIdentifier: "bob.example.org", Product: "Starter",
				PrimaryIP: "198.51.100.7", Created: utc("2019-02-05 08:01:09"), Status: provider.StatusSuspended,
				Extra: map[string]string{"usertype": "user", "creator": "admin"}}},
		{name: "an active user keeps its e-mail and package", file: "user_alice.txt", user: "alice",
			want: provider.Account{Email: "alice@example.com", Username: "alice", Domain: "alice.example", UniqueIdentifier: "alice.example",
				Product: "Pro", PrimaryIP: "198.51.100.7", Created: utc("2023-03-15 10:22:31"), Status: provider.StatusActive,
				Extra: map[string]string{"usertype": "user", "creator": "admin"}}},
		{name: "a reseller is an account with its own domain", file: "user_resone.txt", user: "resone",
			want: provider.Account{Email: "res@example.net", Username: "resone", Domain: "reseller.example", UniqueIdentifier: "reseller.example",
				Product: "Reseller Gold", PrimaryIP: "198.51.100.8", Created: utc("2020-01-06 09:00:00"), Status: provider.StatusActive,
				Extra: map[string]string{"usertype": "reseller", "creator": "admin"}}},
		{name: "an IDN domain stays in its A-label form and a UTF-8 e-mail decodes", file: "user_idn.txt", user: "cafeuser",
			want: provider.Account{Email: "café@example.com", Username: "cafeuser", Domain: "xn--caf-dma.example", UniqueIdentifier: "xn--caf-dma.example",
				Product: "Pro", PrimaryIP: "198.51.100.9", Created: utc("2024-12-31 23:59:59"), Status: provider.StatusActive,
				Extra: map[string]string{"usertype": "user", "creator": "resone"}}},
		{name: "numbers and booleans in JSON read as the URL-encoded form would carry them", file: "user_typed.json", user: "typed",
			want: provider.Account{Email: "t@example.com", Username: "typed", Domain: "typed.example", UniqueIdentifier: "typed.example",
				Product: "Starter", PrimaryIP: "198.51.100.7", Created: utc("2021-07-04 18:30:00"), Status: provider.StatusActive,
				Extra: map[string]string{"usertype": "user", "creator": "admin"}}},
		{name: "character references written raw into the body decode without splitting values", file: "user_rawentity.txt", user: "entity",
			want: provider.Account{Email: "o'brien@example.com", Username: "entity", Domain: "entity.example", UniqueIdentifier: "entity.example",
				Product: "Gold & Silver", PrimaryIP: "198.51.100.7", Created: utc("2019-02-05 08:01:09"), Status: provider.StatusActive,
				Extra: map[string]string{"usertype": "user", "creator": "admin"}}},
		{name: "a user without date_created gets a zero Created", file: "user_nodate.txt", user: "olduser",
			want: provider.Account{Username: "olduser", Domain: "old.example", UniqueIdentifier: "old.example", Product: "Starter",
				PrimaryIP: "198.51.100.7", Status: provider.StatusActive, Extra: map[string]string{"usertype": "user", "creator": "admin"}}},
		{name: "an admin account is left out", file: "user_admin.txt", user: "admin", skip: true},
		{name: "a date that does not parse is an error naming the field", file: "user_baddate.txt", user: "bad", wantErr: `field "date_created": invalid date "sometime last spring"`},
		{name: "an unknown suspended value is an error, not a guess", file: "user_oddstatus.txt", user: "odd", wantErr: `field "suspended" is "maybe"`},
		{name: "a user without a domain is an error", file: "user_nodomain.txt", user: "nodomain", wantErr: `field "domain" is empty`},
		{name: "a config of another user than the one asked for is an error", file: "user_alice.txt", user: "bob", wantErr: `the config names user "alice"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := decodeReply(fixture(t, tt.file))
			if err != nil {
				t.Fatalf("decodeReply: %v", err)
			}
			got, skip, err := accountFromConfig(tt.user, r.fields, time.UTC)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if skip != tt.skip {
				t.Fatalf("skip = %t, want %t", skip, tt.skip)
			}
			if tt.skip {
				return
			}
			if !got.Created.Equal(tt.want.Created) || got.Created.Location() != tt.want.Created.Location() {
				t.Errorf("Created = %v, want %v", got.Created, tt.want.Created)
			}
			got.Created, tt.want.Created = time.Time{}, time.Time{}
			if got.Email != tt.want.Email || got.Username != tt.want.Username || got.Domain != tt.want.Domain ||
				got.UniqueIdentifier != tt.want.UniqueIdentifier || got.Product != tt.want.Product ||
				got.PrimaryIP != tt.want.PrimaryIP || got.Status != tt.want.Status ||
				got.Extra["usertype"] != tt.want.Extra["usertype"] || got.Extra["creator"] != tt.want.Extra["creator"] {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeLists(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{name: "list[] values decode in order, UTF-8 included", body: string(fixture(t, "show_users.txt")), want: []string{"alice", "bob", "caféuser"}},
		{name: "a one-element list decodes", body: string(fixture(t, "show_resellers.txt")), want: []string{"resone"}},
		{name: "a JSON array is a list", body: string(fixture(t, "show_all_users.json")), want: []string{"alice", "bob", "resone"}},
		{name: "unencoded brackets read the same", body: "list[]=a&list[]=b", want: []string{"a", "b"}},
		{name: "an empty list[] entry is dropped", body: "list%5B%5D=", want: nil},
		{name: "a JSON object with a list key is a list", body: `{"list":["x","y"]}`, want: []string{"x", "y"}},
		{name: "an empty JSON array is an empty list", body: `[]`, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := decodeReply([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !r.isList {
				t.Fatal("not recognised as a list")
			}
			if !slices.Equal(r.list, tt.want) {
				t.Errorf("list = %q, want %q", r.list, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		op       string
		wantMsg  string
		sentinel error
	}{
		{name: "a vanished user's details lose their <br> and match ErrNotFound", body: string(fixture(t, "error_not_found.txt")), op: opTerminate,
			wantMsg: "Error while deleting Users: User ghost did not exist on the server. Removing it from your list.", sentinel: provider.ErrNotFound},
		{name: "a refused command matches ErrUnauthorized", body: string(fixture(t, "error_forbidden.txt")), op: opList,
			wantMsg: "You cannot execute that command", sentinel: provider.ErrUnauthorized},
		{name: "a JSON duplicate on create matches ErrExists", body: string(fixture(t, "error_exists.json")), op: opCreate,
			wantMsg: "Cannot Create Account: That username already exists on the system", sentinel: provider.ErrExists},
		{name: "a missing package on create is ErrNotFound, not ErrExists", body: "error=1&text=Cannot%20Create%20Account&details=Package%20not%20found", op: opCreate,
			wantMsg: "Cannot Create Account: Package not found", sentinel: provider.ErrNotFound},
		{name: "an unexplained failure has no sentinel", body: "error=1&text=Something%20broke&details=", op: opList,
			wantMsg: "Something broke", sentinel: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := decodeReply([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			text, details, failed := r.failure()
			if !failed {
				t.Fatal("not recognised as a failure")
			}
			if got := message(text, details); got != tt.wantMsg {
				t.Errorf("message = %q, want %q", got, tt.wantMsg)
			}
			if got := classify(tt.op, text, details); got != tt.sentinel {
				t.Errorf("classify = %v, want %v", got, tt.sentinel)
			}
		})
	}
	t.Run("a success is not a failure and is acknowledged", func(t *testing.T) {
		for _, body := range []string{string(fixture(t, "success_suspend.txt")), `{"success":"User deleted","result":""}`} {
			r, err := decodeReply([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, failed := r.failure(); failed || !r.succeeded() {
				t.Errorf("%s: failed %t, succeeded %t", body, failed, r.succeeded())
			}
		}
	})
	t.Run("a bad percent escape is an error, not a guess", func(t *testing.T) {
		if _, err := decodeReply([]byte("username=bob&domain=%zz")); err == nil {
			t.Error("decoded a body with an invalid escape")
		}
	})
	t.Run("broken JSON is an error", func(t *testing.T) {
		if _, err := decodeReply([]byte(`{"username":`)); err == nil {
			t.Error("decoded truncated JSON")
		}
	})
}

func TestParseDate(t *testing.T) {
	amsterdam, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	tests := []struct {
		name string
		in   string
		loc  *time.Location
		want string // RFC 3339, "" for the zero time
	}{
		{name: "ctime with a space-padded day reads as wall time in the location", in: "Tue Feb  5 08:01:09 2019", loc: amsterdam, want: "2019-02-05T08:01:09+01:00"},
		{name: "ctime with a two-digit day reads in UTC by default", in: "Wed Mar 15 10:22:31 2023", loc: time.UTC, want: "2023-03-15T10:22:31Z"},
		{name: "a zero-padded day reads too", in: "Mon Dec 02 03:18:43 2019", loc: time.UTC, want: "2019-12-02T03:18:43Z"},
		{name: "a summer date takes the location's summer offset", in: "Sat Jul  6 12:00:00 2024", loc: amsterdam, want: "2024-07-06T12:00:00+02:00"},
		{name: "an ISO date and time reads", in: "2021-07-04 18:30:00", loc: time.UTC, want: "2021-07-04T18:30:00Z"},
		{name: "a date alone reads as midnight", in: "2021-07-04", loc: amsterdam, want: "2021-07-04T00:00:00+02:00"},
		{name: "a Unix time reads as that instant", in: "1718000000", loc: time.UTC, want: "2024-06-10T06:13:20Z"},
		{name: "surrounding and inner runs of spaces are ignored", in: "  Tue  Feb 5   08:01:09 2019 ", loc: time.UTC, want: "2019-02-05T08:01:09Z"},
		{name: "an empty value is the zero time", in: "", loc: time.UTC, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDate(tt.in, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if !got.IsZero() {
					t.Errorf("got %v, want the zero time", got)
				}
				return
			}
			if s := got.Format(time.RFC3339); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
	for _, bad := range []string{"yesterday", "Feb 30 2019", "2019-13-01", "12345"} {
		t.Run("the value "+bad+" is refused", func(t *testing.T) {
			if got, err := parseDate(bad, time.UTC); err == nil {
				t.Errorf("parsed %q as %v", bad, got)
			}
		})
	}
}
