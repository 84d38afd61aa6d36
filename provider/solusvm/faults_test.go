package solusvm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/solusvm"
	"github.com/accountsync/accountsync/provider/solusvm/solusvmtest"
)

// protocols are the two client configurations every fault test runs with.
var protocols = []struct {
	name   string
	config func(*solusvmtest.Server) solusvm.Config
}{
	{"SolusVM 1", v1Config},
	{"SolusVM 2", v2Config},
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name       string
		fault      solusvmtest.Fault
		tune       func(*solusvm.Config)
		sentinel   map[string]error  // per protocol; nil: none of the sentinels
		status     map[string]int    // per protocol; 0: no HTTP status (transport failure)
		inMessage  map[string]string // per protocol
		onlyFor    string
		firstCalls int // requests the fake saw for the listing's first call; 0: not checked
	}{
		{name: "a refused key is ErrUnauthorized and is not retried", fault: solusvmtest.FaultUnauthorized,
			sentinel: map[string]error{"SolusVM 1": provider.ErrUnauthorized, "SolusVM 2": provider.ErrUnauthorized},
			status:   map[string]int{"SolusVM 1": 200, "SolusVM 2": 401}, firstCalls: 1},
		{name: "a 500 is retried, then ErrTransient", fault: solusvmtest.FaultServerError,
			sentinel: map[string]error{"SolusVM 1": provider.ErrTransient, "SolusVM 2": provider.ErrTransient},
			status:   map[string]int{"SolusVM 1": 500, "SolusVM 2": 500}, firstCalls: 4},
		{name: "a 429 is ErrRateLimited", fault: solusvmtest.FaultRateLimited,
			tune:     func(c *solusvm.Config) { c.MaxRetries = -1 },
			sentinel: map[string]error{"SolusVM 1": provider.ErrRateLimited, "SolusVM 2": provider.ErrRateLimited},
			status:   map[string]int{"SolusVM 1": 429, "SolusVM 2": 429}},
		{name: "a panel slower than the timeout is ErrTransient", fault: solusvmtest.FaultSlow,
			tune:     func(c *solusvm.Config) { c.Timeout = 50 * time.Millisecond; c.MaxRetries = 1 },
			sentinel: map[string]error{"SolusVM 1": provider.ErrTransient, "SolusVM 2": provider.ErrTransient}},
		{name: "a body cut short is retried, then ErrTransient", fault: solusvmtest.FaultTruncated,
			sentinel: map[string]error{"SolusVM 1": provider.ErrTransient, "SolusVM 2": provider.ErrTransient}},
		{name: "an HTML page with status 200 is an error with an excerpt", fault: solusvmtest.FaultHTML,
			status:    map[string]int{"SolusVM 1": 200, "SolusVM 2": 200},
			inMessage: map[string]string{"SolusVM 1": "HTML page", "SolusVM 2": "HTML page"}},
		{name: "a malformed record fails the listing with an error naming it", fault: solusvmtest.FaultMalformed,
			status:    map[string]int{"SolusVM 1": 200},
			inMessage: map[string]string{"SolusVM 1": `malformed vserverid "vs-`, "SolusVM 2": "created_at"}},
		{name: "a node that fails fails the whole listing", fault: solusvmtest.FaultNodeDown, onlyFor: "SolusVM 1",
			status:    map[string]int{"SolusVM 1": 200},
			inMessage: map[string]string{"SolusVM 1": "Unable to connect to node"}},
		{name: "a page that does not advance ends the listing with an error", fault: solusvmtest.FaultPageLoop, onlyFor: "SolusVM 2",
			status:    map[string]int{"SolusVM 2": 200},
			inMessage: map[string]string{"SolusVM 2": "does not advance"}},
	}
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			for _, tc := range tests {
				if tc.onlyFor != "" && tc.onlyFor != p.name {
					continue
				}
				t.Run(tc.name, func(t *testing.T) {
					srv := solusvmtest.New(solusvmtest.Options{Accounts: seed(), PageSize: 2, SlowDelay: 2 * time.Second})
					defer srv.Close()
					logger, logs := debugLogger()
					cfg := p.config(srv)
					cfg.Logger = logger
					if tc.tune != nil {
						tc.tune(&cfg)
					}
					c := newClient(t, cfg)
					srv.SetFault(tc.fault)
					accts, err := c.ListAccounts(context.Background())
					if err == nil {
						t.Fatalf("ListAccounts returned %d accounts and no error", len(accts))
					}
					if accts != nil {
						t.Errorf("ListAccounts returned %d accounts with its error", len(accts))
					}
					var ae *provider.APIError
					if !errors.As(err, &ae) {
						t.Fatalf("error %v (%T) is not a *provider.APIError", err, err)
					}
					if ae.Type != "solusvm" || ae.Op == "" || !strings.HasPrefix(err.Error(), "solusvm: "+ae.Op+": ") {
						t.Errorf("error %q: Type %q, Op %q; want solusvm, an operation, and both as its prefix", err, ae.Type, ae.Op)
					}
					if want := tc.status[p.name]; ae.StatusCode != want {
						t.Errorf("StatusCode %d, want %d (error %q)", ae.StatusCode, want, err)
					}
					want := tc.sentinel[p.name]
					for _, s := range []error{provider.ErrUnauthorized, provider.ErrNotFound, provider.ErrExists, provider.ErrRateLimited, provider.ErrTransient} {
						if errors.Is(err, s) != (s == want || (want == provider.ErrRateLimited && s == provider.ErrTransient)) {
							t.Errorf("errors.Is(%q, %v) = %t", err, s, errors.Is(err, s))
						}
					}
					if m := tc.inMessage[p.name]; !strings.Contains(err.Error(), m) {
						t.Errorf("error %q does not contain %q", err, m)
					}
					assertNoSecrets(t, err.Error()+"\n"+ae.Body+"\n"+logs.String())
					if tc.firstCalls != 0 {
						if n := srv.Calls("node-idlist") + srv.Calls("GET /servers"); n != tc.firstCalls {
							t.Errorf("the fake saw the first call %d times, want %d", n, tc.firstCalls)
						}
					}
				})
			}
		})
	}
}

// assertNoSecrets fails when s holds a credential of the fake.
func assertNoSecrets(t *testing.T, s string, more ...string) {
	t.Helper()
	for _, secret := range append([]string{solusvmtest.APIID, solusvmtest.APIKey, solusvmtest.Token}, more...) {
		if strings.Contains(s, secret) {
			t.Errorf("a secret (%.6s...) appears in:\n%s", secret, s)
		}
	}
}

func TestRetries(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Run("two 500s in a row are retried and the listing succeeds", func(t *testing.T) {
				srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
				defer srv.Close()
				c := newClient(t, p.config(srv))
				srv.FailNext(solusvmtest.FaultServerError, 2)
				accts, err := c.ListAccounts(context.Background())
				if err != nil {
					t.Fatalf("ListAccounts: %v", err)
				}
				if len(accts) != len(seed()) {
					t.Errorf("listed %d accounts, want %d", len(accts), len(seed()))
				}
			})
			t.Run("one 429 is waited out and the listing succeeds", func(t *testing.T) {
				srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
				defer srv.Close()
				c := newClient(t, p.config(srv))
				srv.FailNext(solusvmtest.FaultRateLimited, 1)
				if _, err := c.ListAccounts(context.Background()); err != nil {
					t.Fatalf("ListAccounts: %v", err)
				}
			})
			t.Run("a cancelled context sends no request", func(t *testing.T) {
				srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
				defer srv.Close()
				c := newClient(t, p.config(srv))
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				if _, err := c.ListAccounts(ctx); !errors.Is(err, context.Canceled) {
					t.Fatalf("ListAccounts: %v, want context.Canceled", err)
				}
				for _, fn := range []string{"node-idlist", "GET /servers"} {
					if n := srv.Calls(fn); n != 0 {
						t.Errorf("the fake received %d %s calls", n, fn)
					}
				}
			})
			t.Run("a context cancelled during a slow listing ends it promptly", func(t *testing.T) {
				srv := solusvmtest.New(solusvmtest.Options{Accounts: seed(), SlowDelay: 30 * time.Second})
				defer srv.Close()
				c := newClient(t, p.config(srv))
				srv.SetFault(solusvmtest.FaultSlow)
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				start := time.Now()
				accts, err := c.ListAccounts(ctx)
				if !errors.Is(err, context.DeadlineExceeded) || accts != nil {
					t.Fatalf("ListAccounts: %d accounts, %v; want none and context.DeadlineExceeded", len(accts), err)
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("ListAccounts took %s to notice its deadline", d)
				}
			})
		})
	}
}

// odd is a value with every character that needs encoding somewhere.
const odd = "a&b<c>\"d'e\nf g+h%i;j=k"

func TestEncoding(t *testing.T) {
	t.Run("SolusVM 1 sends and reads back values with & < > \" ' and newlines intact", func(t *testing.T) {
		for _, xmlOnly := range []bool{false, true} {
			srv := solusvmtest.New(solusvmtest.Options{XMLOnly: xmlOnly})
			defer srv.Close()
			c := newClient(t, v1Config(srv))
			n := provider.NewAccount{Username: "user" + odd, Email: "o'hara+x&y@example.com", Domain: "host" + odd,
				Password: "pw" + odd, Product: "VPS-1G", Extra: map[string]string{"lastname": odd}}
			a, err := c.CreateAccount(context.Background(), n)
			if err != nil {
				t.Fatalf("CreateAccount: %v", err)
			}
			cc := lastRequest(srv, "client-create")
			vc := lastRequest(srv, "vserver-create")
			for _, check := range []struct{ got, want, what string }{
				{cc.Form.Get("username"), n.Username, "client-create username"},
				{cc.Form.Get("email"), n.Email, "client-create email"},
				{cc.Form.Get("password"), n.Password, "client-create password"},
				{cc.Form.Get("lastname"), odd, "client-create lastname"},
				{vc.Form.Get("hostname"), n.Domain, "vserver-create hostname"},
				{vc.Form.Get("username"), n.Username, "vserver-create username"},
				{vc.Form.Get("password"), n.Password, "vserver-create password"},
				{vc.Form.Get("id"), solusvmtest.APIID, "vserver-create id"},
			} {
				if check.got != check.want {
					t.Errorf("XMLOnly %t: the fake received %s %q, want %q", xmlOnly, check.what, check.got, check.want)
				}
			}
			if vc.Query.Get("key") != "" || vc.Query.Get("password") != "" {
				t.Errorf("the key or the password travelled in the URL: %v", vc.Query)
			}
			accts, err := c.ListAccounts(context.Background())
			if err != nil {
				t.Fatalf("ListAccounts: %v", err)
			}
			got := byID(accts)[a.UniqueIdentifier]
			if got.Domain != n.Domain || got.Username != n.Username || got.Email != n.Email {
				t.Errorf("XMLOnly %t: listed %q/%q/%q, want %q/%q/%q", xmlOnly, got.Domain, got.Username, got.Email, n.Domain, n.Username, n.Email)
			}
		}
	})
	t.Run("SolusVM 2 sends and reads back values with & < > \" ' and newlines intact", func(t *testing.T) {
		srv := solusvmtest.New(solusvmtest.Options{})
		defer srv.Close()
		c := newClient(t, v2Config(srv))
		email := "o'hara+x&y=z@example.com"
		n := provider.NewAccount{Username: email, Email: email, Domain: "host" + odd, Password: "pw" + odd, Product: "VPS-1G"}
		a, err := c.CreateAccount(context.Background(), n)
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		users := lastRequest(srv, "GET /users")
		if got := users.Query.Get("filter[search]"); got != email {
			t.Errorf("the fake received filter[search] %q, want %q", got, email)
		}
		var body struct{ Name, Password string }
		created := lastRequest(srv, "POST /servers")
		if err := json.Unmarshal(created.Body, &body); err != nil || body.Name != n.Domain || body.Password != n.Password {
			t.Errorf("the fake received name %q, password %q (%v); want %q, %q", body.Name, body.Password, err, n.Domain, n.Password)
		}
		if got := created.Header.Get("Authorization"); got != "Bearer "+solusvmtest.Token {
			t.Errorf("Authorization %q", got)
		}
		accts, err := c.ListAccounts(context.Background())
		if err != nil {
			t.Fatalf("ListAccounts: %v", err)
		}
		if got := byID(accts)[a.UniqueIdentifier]; got.Domain != n.Domain || got.Email != email {
			t.Errorf("listed %q/%q, want %q/%q", got.Domain, got.Email, n.Domain, email)
		}
	})
}

func TestCreate(t *testing.T) {
	t.Run("SolusVM 1 refuses a second server with the same hostname for the same client", func(t *testing.T) {
		srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
		defer srv.Close()
		c := newClient(t, v1Config(srv))
		_, err := c.CreateAccount(context.Background(), provider.NewAccount{Username: "vmuser12", Domain: "WEB1.example.com",
			Password: "Another-pw-1", Product: "VPS-1G"})
		if !errors.Is(err, provider.ErrExists) {
			t.Fatalf("CreateAccount: %v, want ErrExists", err)
		}
		if n := srv.Calls("vserver-create"); n != 0 {
			t.Errorf("the fake received %d vserver-create calls", n)
		}
	})
	t.Run("SolusVM 1 creates for an existing client without client-create and lists the client's e-mail", func(t *testing.T) {
		srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
		defer srv.Close()
		c := newClient(t, v1Config(srv))
		a, err := c.CreateAccount(context.Background(), provider.NewAccount{Username: "vmuser12", Domain: "web9.example.com",
			Password: "Another-pw-1", Product: "VPS-2G", Extra: map[string]string{"ips": "2"}})
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if srv.Calls("client-create") != 0 {
			t.Error("client-create was called for an existing client")
		}
		if a.Email != "alice@example.com" || len(strings.Split(a.Extra["ips"], ",")) != 2 {
			t.Errorf("created %+v; want alice's e-mail and two addresses", a)
		}
		vc := lastRequest(srv, "vserver-create")
		if vc.Form.Get("ips") != "2" || vc.Form.Get("nodegroup") != "1" || vc.Form.Get("type") != "kvm" {
			t.Errorf("vserver-create got ips %q, nodegroup %q, type %q", vc.Form.Get("ips"), vc.Form.Get("nodegroup"), vc.Form.Get("type"))
		}
	})
	t.Run("SolusVM 1 keeps the create response's passwords out of errors and logs", func(t *testing.T) {
		// The answer echoes the root and console passwords but has no
		// vserverid, so the error quotes the body.
		srv := fixtureServer(t, filepath.Join("testdata", "v1-create-without-id"))
		logger, logs := debugLogger()
		cfg := fast(solusvm.Config{BaseURL: srv.URL, Username: solusvmtest.APIID, APIToken: solusvmtest.APIKey, Logger: logger,
			CreateDefaults: map[string]string{"nodegroup": "1", "template": "debian-12-x86_64"}})
		const pw = "Very-Secret-Root-9"
		_, err := newClient(t, cfg).CreateAccount(context.Background(), provider.NewAccount{Username: "newbie", Email: "n@example.com",
			Domain: "n.example.com", Password: pw, Product: "VPS-1G"})
		var ae *provider.APIError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "without a usable vserverid") || !strings.Contains(ae.Body, "consoleuser") {
			t.Fatalf("CreateAccount: %v (body %q), want an error quoting the answer", err, ae.Body)
		}
		assertNoSecrets(t, err.Error()+"\n"+ae.Body+"\n"+logs.String(), pw, "Console-Pw-Q8z")
	})
	t.Run("SolusVM 2 creates the user once and reuses it", func(t *testing.T) {
		srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
		defer srv.Close()
		c := newClient(t, v2Config(srv))
		for i, domain := range []string{"new1.example.com", "new2.example.com"} {
			a, err := c.CreateAccount(context.Background(), provider.NewAccount{Email: "zed@example.com", Domain: domain,
				Password: "Zed-pw-123", Product: "VPS-2G"})
			if err != nil {
				t.Fatalf("CreateAccount #%d: %v", i+1, err)
			}
			if a.Product != "VPS-2G" || a.Email != "zed@example.com" || a.Status != provider.StatusActive || a.Created.IsZero() {
				t.Errorf("created %+v", a)
			}
		}
		if n := srv.Calls("POST /users"); n != 1 {
			t.Errorf("POST /users called %d times, want 1", n)
		}
	})
	t.Run("SolusVM 2 refuses a name that is taken with ErrExists", func(t *testing.T) {
		srv := solusvmtest.New(solusvmtest.Options{Accounts: seed()})
		defer srv.Close()
		_, err := newClient(t, v2Config(srv)).CreateAccount(context.Background(), provider.NewAccount{Email: "alice@example.com",
			Domain: "web1.example.com", Password: "pw-123456", Product: "VPS-1G"})
		var ae *provider.APIError
		if !errors.Is(err, provider.ErrExists) || !errors.As(err, &ae) || ae.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("CreateAccount: %v, want a 422 matching ErrExists", err)
		}
	})
	t.Run("SolusVM 2 reports an unknown plan as ErrNotFound without creating anything", func(t *testing.T) {
		srv := solusvmtest.New(solusvmtest.Options{})
		defer srv.Close()
		_, err := newClient(t, v2Config(srv)).CreateAccount(context.Background(), provider.NewAccount{Email: "a@example.com",
			Domain: "a.example.com", Password: "pw-123456", Product: "No-Such-Plan"})
		if !errors.Is(err, provider.ErrNotFound) || !strings.Contains(err.Error(), "No-Such-Plan") {
			t.Fatalf("CreateAccount: %v, want ErrNotFound naming the plan", err)
		}
		if srv.Calls("POST /servers") != 0 || srv.Calls("POST /users") != 0 {
			t.Error("something was created")
		}
	})
	t.Run("SolusVM 2 passes a validation error through with its field", func(t *testing.T) {
		srv := solusvmtest.New(solusvmtest.Options{})
		defer srv.Close()
		cfg := v2Config(srv)
		cfg.CreateDefaults["location"] = "99"
		_, err := newClient(t, cfg).CreateAccount(context.Background(), provider.NewAccount{Email: "a@example.com",
			Domain: "a.example.com", Password: "pw-123456", Product: "VPS-1G"})
		if err == nil || !strings.Contains(err.Error(), "location: The selected location is invalid.") || errors.Is(err, provider.ErrExists) {
			t.Fatalf("CreateAccount: %v, want the location's validation error", err)
		}
	})
}
