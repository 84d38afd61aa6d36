package directadmintest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/directadmin/directadmintest"
)

type wire struct {
	t   *testing.T
	srv *directadmintest.Server
}

// do sends one request with basic auth as login:secret and returns the
// status, the X-DirectAdmin header and the body.
func (w wire) do(method, cmd, login, secret string, form url.Values) (int, string, string) {
	w.t.Helper()
	u := w.srv.URL + "/" + cmd
	var body io.Reader
	if method == http.MethodGet && form != nil {
		u += "?" + form.Encode()
	} else if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(w.t.Context(), method, u, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if login != "" {
		req.SetBasicAuth(login, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-DirectAdmin"), string(b)
}

func (w wire) admin(method, cmd string, form url.Values) (int, string) {
	w.t.Helper()
	status, _, body := w.do(method, cmd, directadmintest.Username, directadmintest.Token, form)
	return status, body
}

func seed() []provider.Account {
	return []provider.Account{
		{Username: "alice", Domain: "alice.example", Email: "alice@example.com", Product: "Pro", PrimaryIP: "198.51.100.7",
			Created: time.Date(2019, 2, 5, 8, 1, 9, 0, time.UTC)},
		{Username: "resone", Domain: "reseller.example", Product: "Pro", PrimaryIP: "198.51.100.8", Extra: map[string]string{"usertype": "reseller"}},
		{Username: "carol", Domain: "carol.example", Product: "Pro", Extra: map[string]string{"creator": "resone"}, Status: provider.StatusSuspended},
	}
}

func TestAuthentication(t *testing.T) {
	w := wire{t, directadmintest.NewServer(t, seed()...)}
	tests := []struct {
		name, login, secret string
		wantStatus          int
	}{
		{"the admin's login key is accepted", directadmintest.Username, directadmintest.Token, 200},
		{"the admin's password is accepted", directadmintest.Username, directadmintest.Password, 200},
		{"a wrong secret is refused with X-DirectAdmin: Unauthorized", directadmintest.Username, "nope", 401},
		{"no credentials are refused", "", "", 401},
		{"a user without a password cannot log in", "alice", "", 401},
		{"an unknown login is refused", "mallory", directadmintest.Token, 401},
		{"admin|user acts as the user, who may not list all users", directadmintest.Username + "|alice", directadmintest.Token, 403},
		{"admin|unknown is refused", directadmintest.Username + "|ghost", directadmintest.Token, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, header, body := w.do(http.MethodGet, "CMD_API_SHOW_ALL_USERS", tt.login, tt.secret, nil)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", status, tt.wantStatus, body)
			}
			if (status == 401) != (header == "Unauthorized") {
				t.Errorf("status %d with X-DirectAdmin %q", status, header)
			}
			if status == 403 && !strings.Contains(body, "You%20cannot%20execute%20that%20command") {
				t.Errorf("403 body %q", body)
			}
		})
	}
}

func TestWireFormat(t *testing.T) {
	w := wire{t, directadmintest.NewServer(t, seed()...)}
	t.Run("users list URL-encoded with encoded brackets, sorted, the admin included", func(t *testing.T) {
		_, body := w.admin(http.MethodGet, "CMD_API_SHOW_ALL_USERS", nil)
		if want := "list%5B%5D=admin&list%5B%5D=alice&list%5B%5D=carol&list%5B%5D=resone"; body != want {
			t.Errorf("body %q, want %q", body, want)
		}
	})
	t.Run("json=yes gives a JSON array", func(t *testing.T) {
		_, body := w.admin(http.MethodGet, "CMD_API_SHOW_ALL_USERS", url.Values{"json": {"yes"}})
		if body != `["admin","alice","carol","resone"]` {
			t.Errorf("body %q", body)
		}
	})
	t.Run("a user config carries ctime's date with a space-padded day", func(t *testing.T) {
		_, body := w.admin(http.MethodGet, "CMD_API_SHOW_USER_CONFIG", url.Values{"user": {"alice"}})
		vals, err := url.ParseQuery(body)
		if err != nil {
			t.Fatal(err)
		}
		if vals.Get("date_created") != "Tue Feb  5 08:01:09 2019" || vals.Get("suspended") != "no" || vals.Get("domain") != "alice.example" {
			t.Errorf("config %v", vals)
		}
	})
	t.Run("resellers list only resellers; users list the login's own users", func(t *testing.T) {
		_, res := w.admin(http.MethodGet, "CMD_API_SHOW_RESELLERS", nil)
		_, users := w.admin(http.MethodGet, "CMD_API_SHOW_USERS", nil)
		_, theirs := w.admin(http.MethodGet, "CMD_API_SHOW_USERS", url.Values{"reseller": {"resone"}})
		if res != "list%5B%5D=resone" || users != "list%5B%5D=alice" || theirs != "list%5B%5D=carol" {
			t.Errorf("resellers %q, admin's users %q, resone's users %q", res, users, theirs)
		}
	})
	t.Run("a missing user is error=1 with HTTP 200 in DirectAdmin's words", func(t *testing.T) {
		status, body := w.admin(http.MethodGet, "CMD_API_SHOW_USER_CONFIG", url.Values{"user": {"ghost"}})
		if status != 200 || body != "error=1&text=Cannot%20Execute%20Your%20Request&details=That%20user%20does%20not%20exist" {
			t.Errorf("status %d body %q", status, body)
		}
	})
	t.Run("a wording with <br> carries it as an HTML entity in the details", func(t *testing.T) {
		w.srv.FailFunction("CMD_API_SELECT_USERS", directadmintest.FaultNotCreatedByYou)
		defer w.srv.FailFunction("CMD_API_SELECT_USERS", directadmintest.FaultNone)
		status, body := w.admin(http.MethodPost, "CMD_API_SELECT_USERS", url.Values{"confirmed": {"Confirm"}, "delete": {"yes"}, "select0": {"bob"}})
		if status != 200 || !strings.HasPrefix(body, "error=1&") || !strings.Contains(body, "Not%20Deleted.%26%2360%3B%2Fb%26%2362%3B%26%2360%3Bbr%26%2362%3B") {
			t.Errorf("status %d body %q", status, body)
		}
	})
	t.Run("in JSON an error has error and result keys", func(t *testing.T) {
		_, body := w.admin(http.MethodGet, "CMD_API_SHOW_USER_CONFIG", url.Values{"user": {"ghost"}, "json": {"yes"}})
		var m map[string]string
		if err := json.Unmarshal([]byte(body), &m); err != nil || m["error"] == "" || !strings.Contains(m["result"], "does not exist") {
			t.Errorf("body %q (%v)", body, err)
		}
	})
}

func TestStateAndToggle(t *testing.T) {
	srv := directadmintest.NewServer(t, seed()...)
	w := wire{t, srv}
	status := func(name string) provider.Status {
		for _, a := range srv.Accounts() {
			if a.Username == name {
				return a.Status
			}
		}
		return ""
	}
	t.Run("the suspend field toggles whatever its value says, like the panel", func(t *testing.T) {
		for i, want := range []provider.Status{provider.StatusSuspended, provider.StatusActive, provider.StatusSuspended} {
			_, body := w.admin(http.MethodPost, "CMD_API_SELECT_USERS", url.Values{"suspend": {"Unsuspend"}, "select0": {"alice"}})
			if !strings.HasPrefix(body, "error=0") || status("alice") != want {
				t.Fatalf("toggle %d: body %q, status %s, want %s", i+1, body, status("alice"), want)
			}
		}
	})
	t.Run("a created user is listed, logs in and is deleted", func(t *testing.T) {
		form := url.Values{"action": {"create"}, "add": {"Submit"}, "username": {"newbie"}, "email": {"n@example.com"},
			"passwd": {"Secret-123"}, "passwd2": {"Secret-123"}, "domain": {"newbie.example"}, "package": {"Pro"}, "ip": {"198.51.100.9"}, "notify": {"no"}}
		if _, body := w.admin(http.MethodPost, "CMD_API_ACCOUNT_USER", form); !strings.HasPrefix(body, "error=0") {
			t.Fatalf("create: %q", body)
		}
		if _, body := w.admin(http.MethodPost, "CMD_API_ACCOUNT_USER", form); !strings.Contains(body, "already%20exists") {
			t.Errorf("second create: %q", body)
		}
		if s, _, _ := w.do(http.MethodGet, "CMD_API_SHOW_USER_CONFIG", "newbie", "Secret-123", url.Values{"user": {"newbie"}}); s != 200 {
			t.Errorf("the new user cannot log in: %d", s)
		}
		if status("newbie") != provider.StatusActive {
			t.Fatal("newbie is not listed as active")
		}
		if _, body := w.admin(http.MethodPost, "CMD_API_SELECT_USERS", url.Values{"confirmed": {"Confirm"}, "delete": {"yes"}, "select0": {"newbie"}}); !strings.HasPrefix(body, "error=0") {
			t.Fatalf("delete: %q", body)
		}
		if status("newbie") != "" {
			t.Error("newbie is still listed")
		}
	})
	t.Run("a reseller may not act on another's user", func(t *testing.T) {
		if _, body := w.admin(http.MethodPost, "CMD_API_USER_PASSWD", url.Values{"username": {"resone"}, "passwd": {"Res-12345"}, "passwd2": {"Res-12345"}}); !strings.HasPrefix(body, "error=0") {
			t.Fatal(body)
		}
		_, _, body := w.do(http.MethodPost, "CMD_API_SELECT_USERS", "resone", "Res-12345", url.Values{"suspend": {"Suspend"}, "select0": {"alice"}})
		if !strings.Contains(body, "You%20do%20not%20have%20control%20over%20user%20alice") {
			t.Errorf("body %q", body)
		}
		_, _, body = w.do(http.MethodPost, "CMD_API_SELECT_USERS", "resone", "Res-12345", url.Values{"suspend": {"Suspend"}, "select0": {"carol"}})
		if !strings.HasPrefix(body, "error=0") || status("carol") != provider.StatusActive {
			t.Errorf("the reseller could not toggle its own user: %q", body)
		}
	})
}

func TestFaultKnobs(t *testing.T) {
	srv := directadmintest.NewServer(t, seed()...)
	w := wire{t, srv}
	t.Run("FailNext fails exactly the next n requests", func(t *testing.T) {
		srv.FailNext(directadmintest.FaultServerError, 2)
		var got []int
		for range 3 {
			s, _ := w.admin(http.MethodGet, "CMD_API_PACKAGES_USER", nil)
			got = append(got, s)
		}
		if got[0] != 500 || got[1] != 500 || got[2] != 200 {
			t.Errorf("statuses %v", got)
		}
		if n := srv.Calls("CMD_API_PACKAGES_USER"); n != 3 {
			t.Errorf("Calls = %d, want 3", n)
		}
	})
	t.Run("SetFault holds until FaultNone, and 429 says when to retry", func(t *testing.T) {
		srv.SetFault(directadmintest.FaultRateLimited)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/CMD_API_PACKAGES_USER", nil)
		req.SetBasicAuth(directadmintest.Username, directadmintest.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		srv.SetFault(directadmintest.FaultNone)
		if s, _ := w.admin(http.MethodGet, "CMD_API_PACKAGES_USER", nil); s != 200 {
			t.Errorf("after FaultNone: %d", s)
		}
	})
	t.Run("a truncated answer ends before its Content-Length", func(t *testing.T) {
		srv.FailNext(directadmintest.FaultTruncated, 1)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/CMD_API_SHOW_ALL_USERS", nil)
		req.SetBasicAuth(directadmintest.Username, directadmintest.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := io.ReadAll(resp.Body); err == nil {
			t.Error("the body read completely")
		}
	})
	t.Run("a slow answer gives up when the request's context ends", func(t *testing.T) {
		srv.FailNext(directadmintest.FaultSlow, 1)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/CMD_API_SHOW_ALL_USERS", nil)
		start := time.Now()
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Error("no error")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %s", d)
		}
	})
	t.Run("FailUser fails one user's config and nothing else", func(t *testing.T) {
		srv.FailUser("alice", directadmintest.FaultCommandError)
		defer srv.FailUser("alice", directadmintest.FaultNone)
		_, a := w.admin(http.MethodGet, "CMD_API_SHOW_USER_CONFIG", url.Values{"user": {"alice"}})
		_, c := w.admin(http.MethodGet, "CMD_API_SHOW_USER_CONFIG", url.Values{"user": {"carol"}})
		if !strings.HasPrefix(a, "error=1") || !strings.Contains(c, "username=carol") {
			t.Errorf("alice %q, carol %q", a, c)
		}
	})
	t.Run("FaultMalformed corrupts the date of user configs only", func(t *testing.T) {
		srv.SetFault(directadmintest.FaultMalformed)
		defer srv.SetFault(directadmintest.FaultNone)
		_, list := w.admin(http.MethodGet, "CMD_API_SHOW_ALL_USERS", nil)
		_, conf := w.admin(http.MethodGet, "CMD_API_SHOW_USER_CONFIG", url.Values{"user": {"alice"}})
		if !strings.HasPrefix(list, "list%5B%5D=") || !strings.Contains(conf, "date_created=sometime%20last%20spring") {
			t.Errorf("list %q, config %q", list, conf)
		}
	})
}

func TestSharedFaults(t *testing.T) {
	srv := directadmintest.NewServer(t, seed()...)
	w := wire{t, srv}
	for _, tt := range []struct {
		fault          directadmintest.Fault
		json           bool
		wantJSON, want string
	}{
		{fault: directadmintest.FaultWrongShape, want: "error=0&text=Success", wantJSON: "{}"},
		{fault: directadmintest.FaultNullList, want: "list=", wantJSON: "null"},
		{fault: directadmintest.FaultWrongType, want: "list=admin", wantJSON: `"admin"`},
	} {
		t.Run(tt.fault.String()+" changes the next user listing and nothing else", func(t *testing.T) {
			srv.FailNext(tt.fault, 2)
			if _, pkgs := w.admin(http.MethodGet, "CMD_API_PACKAGES_USER", nil); !strings.HasPrefix(pkgs, "list%5B%5D=") {
				t.Errorf("packages %q", pkgs)
			}
			if _, list := w.admin(http.MethodGet, "CMD_API_SHOW_ALL_USERS", nil); list != tt.want {
				t.Errorf("listing %q, want %q", list, tt.want)
			}
			if _, list := w.admin(http.MethodGet, "CMD_API_SHOW_USERS", url.Values{"json": {"yes"}}); list != tt.wantJSON {
				t.Errorf("JSON listing %q, want %q", list, tt.wantJSON)
			}
			if _, list := w.admin(http.MethodGet, "CMD_API_SHOW_ALL_USERS", nil); !strings.HasPrefix(list, "list%5B%5D=") {
				t.Errorf("listing after the fault %q", list)
			}
		})
	}
	for _, tt := range []struct {
		fault  directadmintest.Fault
		status int
	}{{directadmintest.FaultRedirect302, 302}, {directadmintest.FaultRedirect307, 307}} {
		t.Run(tt.fault.String()+" redirects to the RedirectTo target", func(t *testing.T) {
			srv.RedirectTo("http://127.0.0.1:1/elsewhere")
			srv.FailNext(tt.fault, 1)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/CMD_API_SELECT_USERS", strings.NewReader("select0=alice"))
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != "http://127.0.0.1:1/elsewhere" {
				t.Errorf("HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			reqs := srv.Requests("CMD_API_SELECT_USERS")
			if last := reqs[len(reqs)-1]; last.Method != "POST" || string(last.Body) != "select0=alice" {
				t.Errorf("recorded %+v", last)
			}
		})
	}
}

func TestSeeding(t *testing.T) {
	t.Run("a username is derived from the domain when missing", func(t *testing.T) {
		srv := directadmintest.NewServer(t, provider.Account{Domain: "My-Shop.example"}, provider.Account{Domain: "myshop.example.org"})
		var names []string
		for _, a := range srv.Accounts() {
			names = append(names, a.Username)
		}
		if strings.Join(names, ",") != "myshop,myshop1" {
			t.Errorf("usernames %q", names)
		}
	})
	t.Run("two seeds with one username panic with a clear message", func(t *testing.T) {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), `share the username "bob"`) {
				t.Errorf("recovered %v", r)
			}
		}()
		srv := directadmintest.New(directadmintest.Options{Accounts: []provider.Account{{Username: "bob", Domain: "a.example"}, {Username: "bob", Domain: "b.example"}}})
		srv.Close()
	})
}

func TestWordingFaults(t *testing.T) {
	t.Run("the vanished-user wording answers in the panel's words and removes the user", func(t *testing.T) {
		srv := directadmintest.NewServer(t, seed()...)
		w := wire{t: t, srv: srv}
		srv.FailNext(directadmintest.FaultUserDidNotExist, 1)
		status, body := w.admin(http.MethodPost, "CMD_API_SELECT_USERS", url.Values{"confirmed": {"Confirm"}, "delete": {"yes"}, "select0": {"alice"}})
		want := "error=1&text=Error%20while%20deleting%20Users&details=User%20alice%20did%20not%20exist%20on%20the%20server.%20%20Removing%20it%20from%20your%20list.%26%2360%3Bbr%26%2362%3B%0A"
		if status != 200 || body != want {
			t.Errorf("status %d body %q, want %q", status, body, want)
		}
		for _, a := range srv.Accounts() {
			if a.Username == "alice" {
				t.Error("alice is still there")
			}
		}
	})
	t.Run("in JSON a wording is error and result", func(t *testing.T) {
		srv := directadmintest.NewServer(t, seed()...)
		w := wire{t: t, srv: srv}
		srv.FailFunction("CMD_API_ACCOUNT_USER", directadmintest.FaultUsernameTaken)
		_, body := w.admin(http.MethodPost, "CMD_API_ACCOUNT_USER", url.Values{"json": {"yes"}, "action": {"create"}, "username": {"alice"}})
		if body != `{"error":"Cannot Create Account","result":"That username already exists on the system"}` {
			t.Errorf("body %q", body)
		}
	})
	t.Run("every wording fault is listed once", func(t *testing.T) {
		seen := map[directadmintest.Fault]bool{}
		for _, f := range directadmintest.Wordings() {
			if seen[f] || !strings.HasPrefix(string(f), "directadmin-") {
				t.Errorf("fault %q repeated or misnamed", f)
			}
			seen[f] = true
		}
		if len(seen) < 15 {
			t.Errorf("%d wording faults", len(seen))
		}
	})
}
