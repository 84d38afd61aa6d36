package cpaneltest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

// answer is a decoded WHM API 1 answer.
type answer struct {
	Data     json.RawMessage `json:"data"`
	Metadata struct {
		Command string `json:"command"`
		Reason  string `json:"reason"`
		Result  int    `json:"result"`
		Version int    `json:"version"`
		Output  struct {
			Raw string `json:"raw"`
		} `json:"output"`
	} `json:"metadata"`
}

// call sends one request the way a WHM client does and returns the status
// and the raw body.
func call(t *testing.T, srv *cpaneltest.Server, method, function string, params url.Values, auth string) (int, []byte) {
	t.Helper()
	q := url.Values{"api.version": {"1"}}
	var body io.Reader
	if method == http.MethodGet {
		for k, v := range params {
			q[k] = v
		}
	} else {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequest(method, srv.URL+"/json-api/"+function+"?"+q.Encode(), body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

const auth = "whm " + cpaneltest.Username + ":" + cpaneltest.Token

// do calls function and decodes the answer.
func do(t *testing.T, srv *cpaneltest.Server, method, function string, params url.Values) answer {
	t.Helper()
	status, body := call(t, srv, method, function, params, auth)
	if status != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", function, status, body)
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("%s: %v: %s", function, err, body)
	}
	if a.Metadata.Command != function || a.Metadata.Version != 1 {
		t.Errorf("%s: metadata %+v", function, a.Metadata)
	}
	return a
}

func records(t *testing.T, a answer) []map[string]any {
	t.Helper()
	var d struct {
		Acct []map[string]any `json:"acct"`
	}
	if len(a.Data) > 0 {
		if err := json.Unmarshal(a.Data, &d); err != nil {
			t.Fatal(err)
		}
	}
	return d.Acct
}

func seed() []provider.Account {
	return []provider.Account{
		{Username: "alice", Domain: "alice.example", Email: "alice@example.com", Product: "Basic",
			Created: time.Date(2021, 3, 4, 9, 15, 0, 0, time.UTC)},
		{Username: "bob", Domain: "bob.example", Status: provider.StatusSuspended,
			Extra: map[string]string{"owner": "bob", "suspend_reason": "Overdue", "locked": "1"}},
	}
}

func TestAuthentication(t *testing.T) {
	srv := cpaneltest.NewServer(t, seed()...)
	tests := []struct {
		name string
		auth string
		ok   bool
	}{
		{"the whm scheme with the token is accepted", auth, true},
		{"the scheme is matched in any case", "WHM root:" + cpaneltest.Token, true},
		{"Basic with root's password is accepted", "Basic cm9vdDpjcGFuZWx0ZXN0LVJvb3QtUGFzc3cwcmQ=", true},
		{"no header is refused", "", false},
		{"a wrong token is refused", "whm root:WRONG", false},
		{"another user is refused", "whm reseller:" + cpaneltest.Token, false},
		{"a bearer token is refused", "Bearer " + cpaneltest.Token, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, srv, http.MethodGet, "listaccts", nil, tt.auth)
			if tt.ok != (status == http.StatusOK) {
				t.Fatalf("HTTP %d: %s", status, body)
			}
			if !tt.ok && (status != http.StatusForbidden || !strings.Contains(string(body), `"error":"Access denied"`)) {
				t.Errorf("refusal is HTTP %d %s, want 403 with WHM's Access denied body", status, body)
			}
		})
	}
}

func TestListaccts(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	srv := cpaneltest.New(cpaneltest.Options{Accounts: seed(), Location: loc})
	defer srv.Close()

	t.Run("every field is listed without want, startdate in server-local time", func(t *testing.T) {
		recs := records(t, do(t, srv, http.MethodGet, "listaccts", nil))
		if len(recs) != 2 {
			t.Fatalf("%d records", len(recs))
		}
		a := recs[0]
		for k, want := range map[string]any{
			"user": "alice", "domain": "alice.example", "email": "alice@example.com", "plan": "Basic",
			"ip": cpaneltest.DefaultIP, "owner": "root", "unix_startdate": float64(1614849300),
			"startdate": "21 Mar 04 17:15", "suspended": float64(0), "suspendreason": "not suspended",
			"is_locked": float64(0), "maxaddons": "unlimited",
		} {
			if !reflect.DeepEqual(a[k], want) {
				t.Errorf("alice %s = %#v, want %#v", k, a[k], want)
			}
		}
		b := recs[1]
		for k, want := range map[string]any{
			"email": "*unknown*", "unix_startdate": "*unknown*", "startdate": "*unknown*", "suspended": float64(1),
			"suspendreason": "Overdue", "is_locked": float64(1), "owner": "bob", "plan": "default",
		} {
			if !reflect.DeepEqual(b[k], want) {
				t.Errorf("bob %s = %#v, want %#v", k, b[k], want)
			}
		}
	})
	t.Run("want trims the fields and names unknown ones null", func(t *testing.T) {
		recs := records(t, do(t, srv, http.MethodGet, "listaccts", url.Values{"want": {"user,suspended,nosuchfield"}}))
		want := map[string]any{"user": "alice", "suspended": float64(0), "nosuchfield": nil}
		if !reflect.DeepEqual(recs[0], want) {
			t.Errorf("record %v, want %v", recs[0], want)
		}
	})
	t.Run("an exact search finds one account", func(t *testing.T) {
		recs := records(t, do(t, srv, http.MethodGet, "listaccts", url.Values{"searchtype": {"domain"}, "searchmethod": {"exact"}, "search": {"BOB.example"}}))
		if len(recs) != 1 || recs[0]["user"] != "bob" {
			t.Errorf("records %v", recs)
		}
	})
	t.Run("a regex search matches case-insensitively", func(t *testing.T) {
		recs := records(t, do(t, srv, http.MethodGet, "listaccts", url.Values{"searchtype": {"user"}, "search": {"^AL"}}))
		if len(recs) != 1 || recs[0]["user"] != "alice" {
			t.Errorf("records %v", recs)
		}
	})
	t.Run("a search without a match succeeds with no data", func(t *testing.T) {
		a := do(t, srv, http.MethodGet, "listaccts", url.Values{"searchtype": {"user"}, "searchmethod": {"exact"}, "search": {"nobody"}})
		if a.Metadata.Result != 1 || a.Data != nil {
			t.Errorf("answer %+v data %s", a.Metadata, a.Data)
		}
	})
	t.Run("an unknown search type fails", func(t *testing.T) {
		a := do(t, srv, http.MethodGet, "listaccts", url.Values{"searchtype": {"color"}, "search": {"x"}})
		if a.Metadata.Result != 0 || a.Metadata.Reason != "Unknown search type." {
			t.Errorf("metadata %+v", a.Metadata)
		}
	})
	t.Run("quoted integers arrive as strings", func(t *testing.T) {
		q := cpaneltest.New(cpaneltest.Options{Accounts: seed(), QuotedInts: true})
		defer q.Close()
		recs := records(t, do(t, q, http.MethodGet, "listaccts", url.Values{"want": {"suspended,unix_startdate"}}))
		if recs[0]["suspended"] != "0" || recs[0]["unix_startdate"] != "1614849300" {
			t.Errorf("record %v", recs[0])
		}
	})
	t.Run("an empty server answers with no data", func(t *testing.T) {
		empty := cpaneltest.NewServer(t)
		_, body := call(t, empty, http.MethodGet, "listaccts", nil, auth)
		if want := `{"metadata":{"command":"listaccts","reason":"OK","result":1,"version":1}}` + "\n"; string(body) != want {
			t.Errorf("body %s", body)
		}
	})
}

func TestMutations(t *testing.T) {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := cpaneltest.New(cpaneltest.Options{Accounts: seed(), Now: func() time.Time { return now }, Packages: []string{"Gold"}})
	defer srv.Close()
	post := func(function string, params url.Values) answer { return do(t, srv, http.MethodPost, function, params) }

	tests := []struct {
		name     string
		function string
		params   url.Values
		result   int
		reason   string // a substring of metadata.reason
		raw      string // a substring of metadata.output.raw
	}{
		{"createacct creates an account and echoes the password in its raw output", "createacct",
			url.Values{"username": {"Carol"}, "domain": {"Carol.Example"}, "password": {"Pw&1"}, "plan": {"Gold"}, "contactemail": {"c@example.com"}},
			1, "Account Creation Ok", "PassWord: Pw&1"},
		{"createacct refuses a taken username", "createacct", url.Values{"username": {"alice"}, "domain": {"other.example"}},
			0, "already has an account named “alice”", ""},
		{"createacct refuses a taken domain", "createacct", url.Values{"username": {"dave"}, "domain": {"alice.example"}},
			0, "The domain “alice.example” already exists in the userdata.", ""},
		{"createacct refuses a username starting with test", "createacct", url.Values{"username": {"tester"}, "domain": {"t.example"}},
			0, "is not a valid username", ""},
		{"createacct refuses a reserved username", "createacct", url.Values{"username": {"nobody"}, "domain": {"n.example"}},
			0, "reserved username", ""},
		{"createacct refuses an unknown package", "createacct", url.Values{"username": {"erin"}, "domain": {"erin.example"}, "plan": {"Platinum"}},
			0, "The package “Platinum” does not exist.", ""},
		{"createacct refuses a domain that is not ASCII", "createacct", url.Values{"username": {"frank"}, "domain": {"bücher.example"}},
			0, "is not a valid domain", ""},
		{"suspendacct suspends and strips = and newlines from the reason", "suspendacct", url.Values{"user": {"carol"}, "reason": {"a=b\nc"}},
			1, "OK", "has been suspended"},
		{"suspendacct of a suspended account succeeds and says so in raw", "suspendacct", url.Values{"user": {"carol"}, "reason": {"again"}},
			1, "OK", "is already suspended"},
		{"suspendacct of a missing user fails", "suspendacct", url.Values{"user": {"ghost"}},
			0, "You do not have a user named “ghost”.", ""},
		{"unsuspendacct unsuspends", "unsuspendacct", url.Values{"user": {"carol"}}, 1, "OK", "has been unsuspended"},
		{"unsuspendacct of an active account succeeds and says so in raw", "unsuspendacct", url.Values{"user": {"carol"}},
			1, "OK", "is not in a suspended state"},
		{"passwd sets the password", "passwd", url.Values{"user": {"carol"}, "password": {"New<Pw>"}}, 1, "Password changed for user “carol”.", ""},
		{"passwd of a missing user fails", "passwd", url.Values{"user": {"ghost"}, "password": {"x"}}, 0, "You do not have a user named", ""},
		{"removeacct removes with the deprecated user parameter too", "removeacct", url.Values{"user": {"carol"}}, 1, "carol account removed", ""},
		{"removeacct of a removed account fails", "removeacct", url.Values{"username": {"carol"}}, 0, "You do not have a user named “carol”.", ""},
		{"an unknown function fails", "frobnicate", url.Values{}, 0, "Unknown app (“frobnicate”)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(tt.function, tt.params)
			if a.Metadata.Result != tt.result || !strings.Contains(a.Metadata.Reason, tt.reason) || !strings.Contains(a.Metadata.Output.Raw, tt.raw) {
				t.Errorf("metadata %+v", a.Metadata)
			}
			if tt.name == "createacct creates an account and echoes the password in its raw output" {
				got := srv.Accounts()[2]
				want := provider.Account{Email: "c@example.com", Username: "carol", Domain: "carol.example", UniqueIdentifier: "carol.example",
					Product: "Gold", PrimaryIP: cpaneltest.DefaultIP, Created: now, Status: provider.StatusActive, Extra: map[string]string{"owner": "root"}}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("created %+v", got)
				}
			}
			if strings.HasPrefix(tt.name, "suspendacct suspends") {
				if got := srv.Accounts()[2]; got.Status != provider.StatusSuspended || got.Extra["suspend_reason"] != "abc" {
					t.Errorf("suspended account %+v", got)
				}
			}
			if tt.function == "passwd" && tt.result == 1 {
				if pw, _ := srv.PasswordOf("carol"); pw != "New<Pw>" {
					t.Errorf("password %q", pw)
				}
			}
		})
	}
	if n := len(srv.Accounts()); n != 2 {
		t.Errorf("%d accounts at the end, want the 2 seeds", n)
	}
	t.Run("a username sharing its first 8 characters with another is refused", func(t *testing.T) {
		post("createacct", url.Values{"username": {"customer01"}, "domain": {"c1.example"}})
		a := post("createacct", url.Values{"username": {"customer02"}, "domain": {"c2.example"}})
		if a.Metadata.Result != 0 || !strings.Contains(a.Metadata.Reason, "same initial 8 characters") {
			t.Errorf("metadata %+v", a.Metadata)
		}
	})
	t.Run("listpkgs lists the packages with WHM's settings", func(t *testing.T) {
		a := do(t, srv, http.MethodGet, "listpkgs", url.Values{"want": {"creatable"}})
		var d struct {
			Pkg []map[string]any `json:"pkg"`
		}
		if err := json.Unmarshal(a.Data, &d); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range d.Pkg {
			names = append(names, p["name"].(string))
			if p["BWLIMIT"] != "unlimited" || p["FEATURELIST"] != "default" {
				t.Errorf("package %v", p)
			}
		}
		if want := []string{"default", "Gold", "Basic"}; !slices.Equal(names, want) {
			t.Errorf("packages %v, want %v", names, want)
		}
	})
	t.Run("accountsummary finds an account by domain", func(t *testing.T) {
		recs := records(t, do(t, srv, http.MethodGet, "accountsummary", url.Values{"domain": {"bob.example"}}))
		if len(recs) != 1 || recs[0]["user"] != "bob" {
			t.Errorf("records %v", recs)
		}
	})
}

func TestRequestsAreRecorded(t *testing.T) {
	srv := cpaneltest.NewServer(t, seed()...)
	call(t, srv, http.MethodPost, "passwd", url.Values{"user": {"alice"}, "password": {"a&b=c\n"}}, auth)
	call(t, srv, http.MethodGet, "listaccts", nil, "")
	reqs := srv.Requests("passwd")
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Form.Get("password") != "a&b=c\n" || reqs[0].Query.Has("password") {
		t.Errorf("passwd requests %+v", reqs)
	}
	if srv.Calls("listaccts") != 1 || srv.Calls("passwd") != 1 || srv.Calls("removeacct") != 0 {
		t.Errorf("calls listaccts=%d passwd=%d", srv.Calls("listaccts"), srv.Calls("passwd"))
	}
	for range 1000 {
		call(t, srv, http.MethodGet, "listpkgs", nil, auth)
	}
	if n := len(srv.Requests("listpkgs")); n != 1000 || len(srv.Requests("")) != 1000 || len(srv.Requests("passwd")) != 0 {
		t.Errorf("%d listpkgs requests remembered, %d in all, want the last 1000", n, len(srv.Requests("")))
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		fault  cpaneltest.Fault
		status int
		check  func(http.Header, string) bool
	}{
		{cpaneltest.FaultUnauthorized, 403, func(_ http.Header, b string) bool { return strings.Contains(b, "Access denied") }},
		{cpaneltest.FaultServerError, 500, func(_ http.Header, b string) bool { return strings.Contains(b, "<html>") }},
		{cpaneltest.FaultRateLimited, 429, func(h http.Header, _ string) bool { return h.Get("Retry-After") == "1" }},
		{cpaneltest.FaultHTML, 200, func(_ http.Header, b string) bool { return strings.Contains(b, `META HTTP-EQUIV="refresh"`) }},
		{cpaneltest.FaultMalformed, 200, func(_ http.Header, b string) bool { return strings.Contains(b, `"unix_startdate":"yesterday 10am"`) }},
		{cpaneltest.FaultAPIError, 200, func(_ http.Header, b string) bool { return strings.Contains(b, `"result":0`) }},
		{cpaneltest.FaultLegacyAPI, 200, func(_ http.Header, b string) bool { return b == `{"status":1,"statusmsg":"Ok"}` }},
		{cpaneltest.FaultRedirect302, 302, func(h http.Header, _ string) bool { return h.Get("Location") == "http://127.0.0.1:1/elsewhere" }},
		{cpaneltest.FaultRedirect307, 307, func(h http.Header, _ string) bool { return h.Get("Location") == "http://127.0.0.1:1/elsewhere" }},
		{cpaneltest.FaultWrongShape, 200, func(_ http.Header, b string) bool {
			return strings.HasPrefix(b, `{"data":{},"metadata":`) && strings.Contains(b, `"result":1`)
		}},
		{cpaneltest.FaultNullList, 200, func(_ http.Header, b string) bool { return strings.HasPrefix(b, `{"data":{"acct":null},"metadata":`) }},
		{cpaneltest.FaultWrongType, 200, func(_ http.Header, b string) bool {
			return strings.HasPrefix(b, `{"data":{"acct":"alice"},"metadata":`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String()+" answers as documented and then stops", func(t *testing.T) {
			srv := cpaneltest.NewServer(t, seed()...)
			srv.RedirectTo("http://127.0.0.1:1/elsewhere")
			srv.FailNext(tt.fault, 1)
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/json-api/listaccts?api.version=1&want=user,unix_startdate", nil)
			req.Header.Set("Authorization", auth)
			client := *srv.Client()
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !tt.check(resp.Header, string(b)) {
				t.Errorf("HTTP %d %v %s", resp.StatusCode, resp.Header, b)
			}
			if status, _ := call(t, srv, http.MethodGet, "listaccts", nil, auth); status != 200 {
				t.Errorf("the next request got HTTP %d", status)
			}
		})
	}
	t.Run("the listing-shape faults wait for a listing", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		srv.FailNext(cpaneltest.FaultWrongShape, 1)
		if status, body := call(t, srv, http.MethodGet, "listpkgs", nil, auth); status != 200 || !strings.Contains(string(body), `"pkg"`) {
			t.Errorf("listpkgs got HTTP %d %s", status, body)
		}
		if _, body := call(t, srv, http.MethodGet, "listaccts", nil, auth); !strings.HasPrefix(string(body), `{"data":{},`) {
			t.Errorf("listaccts got %s", body)
		}
	})
	t.Run("FailAfter faults the request after the skipped ones", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		srv.FailAfter(cpaneltest.FaultServerError, 2, 1)
		var got []int
		for range 4 {
			status, _ := call(t, srv, http.MethodGet, "listaccts", nil, auth)
			got = append(got, status)
		}
		if !slices.Equal(got, []int{200, 200, 500, 200}) {
			t.Errorf("statuses %v", got)
		}
	})
	t.Run("FaultTruncated hangs up before the declared length", func(t *testing.T) {
		srv := cpaneltest.NewServer(t, seed()...)
		srv.SetFault(cpaneltest.FaultTruncated)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/json-api/listaccts?api.version=1", nil)
		req.Header.Set("Authorization", auth)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := io.ReadAll(resp.Body); err == nil {
			t.Error("the body read completely")
		}
	})
	t.Run("FaultSlow waits for the request's context", func(t *testing.T) {
		srv := cpaneltest.New(cpaneltest.Options{SlowDelay: 50 * time.Millisecond})
		defer srv.Close()
		srv.SetFault(cpaneltest.FaultSlow)
		start := time.Now()
		if status, _ := call(t, srv, http.MethodGet, "listaccts", nil, auth); status != 200 {
			t.Errorf("HTTP %d", status)
		}
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Errorf("answered after %s", d)
		}
	})
	t.Run("a request without api.version=1 gets no API 1 answer", func(t *testing.T) {
		srv := cpaneltest.NewServer(t)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/json-api/listaccts", nil)
		req.Header.Set("Authorization", auth)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "metadata") || !strings.Contains(string(b), `"status":0`) {
			t.Errorf("body %s", b)
		}
	})
	if got := cpaneltest.FaultLegacyAPI.String(); got != "cpanel-legacy-api" {
		t.Errorf("FaultLegacyAPI.String() = %q", got)
	}
}

func TestAccountsRoundTrip(t *testing.T) {
	first := cpaneltest.New(cpaneltest.Options{Accounts: append(seed(), provider.Account{Domain: "derived-name.example"})})
	defer first.Close()
	state := first.Accounts()
	if state[2].Username != "derivedn" {
		t.Errorf("username derived from the domain = %q", state[2].Username)
	}
	second := cpaneltest.New(cpaneltest.Options{Accounts: state})
	defer second.Close()
	if again := second.Accounts(); !reflect.DeepEqual(again, state) {
		t.Errorf("reseeding changed the state:\n %+v\n %+v", state, again)
	}
}

func TestClashingSeedsPanic(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "taken") {
			t.Errorf("recover() = %v", r)
		}
	}()
	cpaneltest.New(cpaneltest.Options{Accounts: []provider.Account{{Username: "a", Domain: "a.example"}, {Username: "b", Domain: "A.example"}}})
}
