package whmcs_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/whmcs"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

func TestNewChecksTheConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  whmcs.Config
		want string
	}{
		{"a missing base URL is named", whmcs.Config{Identifier: "i", Secret: "s"}, "BaseURL is empty"},
		{"a base URL that is not http is refused", whmcs.Config{BaseURL: "ftp://billing.example", Identifier: "i", Secret: "s"}, "invalid base URL"},
		{"missing credentials are named", whmcs.Config{BaseURL: "https://billing.example"}, "Identifier and Config.Secret"},
		{"a pin that is not a SHA-256 is refused", whmcs.Config{BaseURL: "https://billing.example", Identifier: "i", Secret: "s", CertSHA256: "abc"}, "CertSHA256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := whmcs.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestConfigHidesItsSecrets(t *testing.T) {
	cfg := whmcs.Config{BaseURL: "https://billing.example", Identifier: "the-identifier", Secret: "the-secret", AccessKey: "the-access-key"}
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg.LogValue())} {
		for _, secret := range []string{"the-identifier", "the-secret", "the-access-key"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %s", s, secret)
			}
		}
	}
}

func TestStoreConfigIsChecked(t *testing.T) {
	c, err := whmcs.New(whmcs.Config{BaseURL: "https://billing.example", Identifier: "i", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  whmcs.StoreConfig
		want string
	}{
		{"a store needs its server", whmcs.StoreConfig{}, "one Store holds the services of one server"},
		{"a server ID is a number", whmcs.StoreConfig{ServerID: "web1"}, "not a server ID"},
		{"an unknown key field is refused", whmcs.StoreConfig{ServerID: "1", KeyField: "hostname"}, "KeyField"},
		{"a page larger than WHMCS copes with is refused", whmcs.StoreConfig{ServerID: "1", PageSize: 50000}, "PageSize"},
		{"a product mapped from two packages is refused", whmcs.StoreConfig{ServerID: "1", Products: map[string]string{"gold": "4", "silver": "4"}}, "two packages"},
		{"an unknown notification kind is refused", whmcs.StoreConfig{ServerID: "1", Templates: map[acsync.NotificationKind]string{"birthday": "x"}}, "unknown notification kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.NewStore(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewStore = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRequestsAreFormPostsWithJSONAndCredentialsInTheBody(t *testing.T) {
	w := newWorld(t, whmcstest.Options{AccessKey: "k3y-!@#"})
	cfg := w.clientConfig
	cfg.AccessKey = "k3y-!@#"
	cfg.BaseURL = w.srv.URL + "/includes/api.php" // pasted API URL
	c, err := whmcs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Servers(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := w.srv.Requests("GetServers")
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" {
		t.Errorf("method %s", r.Method)
	}
	for k, want := range map[string]string{"responsetype": "json", "identifier": whmcstest.Identifier, "secret": whmcstest.Secret, "accesskey": "k3y-!@#", "action": "GetServers"} {
		if got := r.Form.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestAccessAndAuthenticationErrorsAreUnauthorizedAndNotRetried(t *testing.T) {
	tests := []struct {
		name    string
		opts    whmcstest.Options
		edit    func(*whmcs.Config)
		message string
	}{
		{"an address off the allow-list", whmcstest.Options{AllowedIPs: []string{"192.0.2.1"}}, nil, "Invalid IP 127.0.0.1"},
		{"a wrong secret", whmcstest.Options{}, func(c *whmcs.Config) { c.Secret = "wrong" }, "Authentication Failed"},
		{"an unknown identifier", whmcstest.Options{}, func(c *whmcs.Config) { c.Identifier = "nobody" }, "Invalid or missing credentials"},
		{"a wrong access key", whmcstest.Options{AccessKey: "right"}, func(c *whmcs.Config) { c.AccessKey = "wrong" }, "Invalid Access Key"},
		{"a role without the action", whmcstest.Options{AllowedActions: []string{"GetClientsProducts"}}, nil, `Invalid Permissions: API action "getservers" is not allowed`},
		{"a banned address", whmcstest.Options{BanAfter: 1}, func(c *whmcs.Config) { c.Secret = "wrong" }, "Authentication Failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is ErrUnauthorized", func(t *testing.T) {
			w := newWorld(t, tt.opts)
			cfg := w.clientConfig
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			c, err := whmcs.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Servers(context.Background())
			if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %v, want ErrUnauthorized with %q", err, tt.message)
			}
			if n := w.srv.Calls("GetServers"); n != 1 {
				t.Errorf("%d attempts; an authentication failure must not be retried", n)
			}
		})
	}
	t.Run("a banned address stays banned with the right secret", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{BanAfter: 1})
		cfg := w.clientConfig
		cfg.Secret = "wrong"
		bad, _ := whmcs.New(cfg)
		bad.Servers(context.Background())
		_, err := w.client.Servers(context.Background())
		if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "IP Banned") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an access key bypasses the allow-list", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{AccessKey: "letmein", AllowedIPs: []string{}})
		cfg := w.clientConfig
		cfg.AccessKey = "letmein"
		c, _ := whmcs.New(cfg)
		if _, err := c.Servers(context.Background()); err != nil {
			t.Errorf("err = %v", err)
		}
	})
}

func TestAnActionWHMCSDoesNotHaveIsNotSupported(t *testing.T) {
	w := newWorld(t, whmcstest.Options{})
	err := w.client.Call(context.Background(), "GetMoonPhase", nil, nil)
	if !errors.Is(err, provider.ErrNotSupported) || !strings.Contains(err.Error(), "Invalid API Action") {
		t.Errorf("err = %v", err)
	}
}

func TestCallRefusesParametersTheClientSets(t *testing.T) {
	w := newWorld(t, whmcstest.Options{})
	for _, k := range []string{"identifier", "secret", "accesskey", "responsetype", "action", "username", "password"} {
		if err := w.client.Call(context.Background(), "GetServers", url.Values{k: {"x"}}, nil); err == nil {
			t.Errorf("params with %q were sent", k)
		}
	}
	if w.srv.Calls("GetServers") != 0 {
		t.Error("a refused call reached WHMCS")
	}
}

// Every odd answer is an error naming what came back, never an empty or
// partial result, and reads are retried only where that can help.
func TestOddAnswers(t *testing.T) {
	tests := []struct {
		name      string
		fault     whmcstest.Fault
		want      string
		sentinel  error
		attempts  int // of the read, with MaxRetries 3
		transient bool
	}{
		{"a PHP fatal error page with HTTP 500 is retried, then transient", whmcstest.FaultServerError, "HTML page with HTTP 500", provider.ErrTransient, 4, true},
		{"a login page with HTTP 200 is not an answer", whmcstest.FaultHTML, "an HTML page with HTTP 200", nil, 1, false},
		{"a firewall's 429 is retried, then rate limited", whmcstest.FaultRateLimited, "429", provider.ErrRateLimited, 4, true},
		{"a body cut short is retried", whmcstest.FaultTruncated, "", nil, 4, true},
		{"JSON cut short is not an answer", whmcstest.FaultMalformed, "not valid JSON", nil, 1, false},
		{"result=error is WHMCS's message", whmcstest.FaultAPIError, "An unexpected error occurred", nil, 1, false},
		{"success with no total is the wrong shape", whmcstest.FaultWrongShape, "no totalresults", nil, 1, false},
		{"null lists with a total are not an answer", whmcstest.FaultNullList, "the page holds 0", nil, 1, false},
		{"a list of the wrong type is the wrong shape", whmcstest.FaultWrongType, "want a list, got a string", nil, 1, false},
		{"an NVP answer is not JSON", whmcstest.FaultNVP, "NVP", nil, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, whmcstest.Options{})
			seedServices(w, 3)
			// The listing's first call counts the server's services; the
			// fault hits the GetClientsProducts pages after it.
			w.srv.OnCall("GetServers", func(int) { w.srv.SetFault(tt.fault) })
			svcs, err := w.store.Services(context.Background())
			if err == nil || svcs != nil {
				t.Fatalf("Services = %d services, %v; want an error and none", len(svcs), err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("err = %v, want it to match %v", err, tt.sentinel)
			}
			if tt.transient != errors.Is(err, provider.ErrTransient) {
				t.Errorf("transient = %v, want %v (%v)", !tt.transient, tt.transient, err)
			}
			if !strings.HasPrefix(err.Error(), "whmcs: list services: ") {
				t.Errorf("err %q lacks the package and operation", err)
			}
			if tt.attempts > 0 {
				if n := w.srv.Calls("GetClientsProducts"); n != tt.attempts {
					t.Errorf("%d attempts, want %d", n, tt.attempts)
				}
			}
		})
	}
}

func TestAReadRecoversFromOneFailedAttempt(t *testing.T) {
	w := newWorld(t, whmcstest.Options{})
	seedServices(w, 3)
	w.srv.FailNext(whmcstest.FaultServerError, 1)
	svcs, err := w.store.Services(context.Background())
	if err != nil || len(svcs) != 3 {
		t.Fatalf("Services = %d, %v", len(svcs), err)
	}
}

func TestAWriteIsNeverSentTwice(t *testing.T) {
	for _, f := range []whmcstest.Fault{whmcstest.FaultServerError, whmcstest.FaultTruncated, whmcstest.FaultRateLimited} {
		t.Run(f.String()+" on AddOrder is not retried", func(t *testing.T) {
			w := newWorld(t, whmcstest.Options{})
			client, product := w.clientAndProduct(t)
			w.srv.OnCall("AddOrder", func(n int) {
				if n == 1 {
					w.srv.FailNext(f, 1)
				}
			})
			_, err := w.store.CreateService(context.Background(), acsync.Service{ClientID: client, ProductID: product, Domain: "jo.example", Status: acsync.ServiceStatusActive})
			if f == whmcstest.FaultRateLimited {
				// A 429 says the request was refused before any work: it
				// is sent again, and only the second one places an order.
				if err != nil || len(w.srv.Orders()) != 1 {
					t.Errorf("CreateService = %v with %d orders; want success and one order", err, len(w.srv.Orders()))
				}
				return
			}
			if err == nil {
				t.Fatal("CreateService succeeded")
			}
			if n := w.srv.Calls("AddOrder"); n != 1 {
				t.Errorf("AddOrder sent %d times", n)
			}
		})
	}
	t.Run("a slow write times out and is not retried", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{SlowDelay: time.Second})
		cfg := w.clientConfig
		cfg.Timeout = 100 * time.Millisecond
		c, _ := whmcs.New(cfg)
		store, _ := c.NewStore(w.storeConfig)
		client, product := w.clientAndProduct(t)
		w.srv.OnCall("AddOrder", func(int) {})
		w.srv.SetFault(whmcstest.FaultSlow)
		_, err := store.CreateService(context.Background(), acsync.Service{ClientID: client, ProductID: product, Domain: "jo.example", Status: acsync.ServiceStatusActive})
		if err == nil {
			t.Fatal("CreateService succeeded")
		}
		if n := w.srv.Calls("AddOrder"); n > 1 {
			t.Errorf("AddOrder sent %d times", n)
		}
	})
}

func TestNumbersAsStringsOrIntsReadTheSame(t *testing.T) {
	var got []string
	for _, n := range []whmcstest.Numbers{whmcstest.NumbersAsDocumented, whmcstest.NumbersAsStrings, whmcstest.NumbersAsInts} {
		w := newWorld(t, whmcstest.Options{Numbers: n}, func(c *whmcs.StoreConfig) { c.PageSize = 2 })
		seedServices(w, 5)
		svcs, err := w.store.Services(context.Background())
		if err != nil {
			t.Fatalf("numbers %d: %v", n, err)
		}
		got = append(got, fmt.Sprint(svcs))
	}
	if got[0] != got[1] || got[0] != got[2] {
		t.Errorf("listings differ:\n%s\n%s\n%s", got[0], got[1], got[2])
	}
}

func TestListingPasswordsNeverReachAnError(t *testing.T) {
	w := newWorld(t, whmcstest.Options{})
	seedServices(w, 2)
	var wrong []int
	err := w.client.Call(context.Background(), "GetClientsProducts", nil, &wrong)
	var ae *provider.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an APIError", err)
	}
	for _, v := range w.srv.Services() {
		if strings.Contains(err.Error(), v.Password) || strings.Contains(ae.Body, v.Password) {
			t.Errorf("error %q or its excerpt %q holds a service password", err, ae.Body)
		}
	}
	if ae.Body == "" {
		t.Error("the error has no excerpt of the answer")
	}
}

// An excerpt of an odd answer shows its start, with passwords and the
// credentials blanked.
func TestAnErrorExcerptBlanksPasswords(t *testing.T) {
	body := `{"result":"success","products":{"product":[{"id":"1","password":"Svc-Passw0rd-1","servicepassword":"Svc-Passw0rd-2","secret":"` + whmcstest.Secret + `"}]}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
	defer srv.Close()
	c, _ := whmcs.New(whmcs.Config{BaseURL: srv.URL, Identifier: whmcstest.Identifier, Secret: whmcstest.Secret})
	var wrong []int
	err := c.Call(context.Background(), "GetClientsProducts", nil, &wrong)
	var ae *provider.APIError
	if !errors.As(err, &ae) || !strings.Contains(ae.Body, "REDACTED") {
		t.Fatalf("err = %v, body %q", err, ae.Body)
	}
	for _, s := range []string{"Svc-Passw0rd-1", "Svc-Passw0rd-2", whmcstest.Secret} {
		if strings.Contains(ae.Body, s) || strings.Contains(err.Error(), s) {
			t.Errorf("%q shows in %q", s, ae.Body)
		}
	}
}

// A redirect to another host (a moved installation, a captive portal) is
// never followed: the call fails naming the target, and the other host
// receives nothing, credentials least of all.
func TestARedirectToAnotherHostIsNotFollowed(t *testing.T) {
	var hits atomic.Int32
	foreign := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"result":"success","totalresults":"0","products":""}`))
	}))
	if l, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		foreign.Listener.Close()
		foreign.Listener = l
	}
	foreign.Start()
	defer foreign.Close()
	for _, f := range []whmcstest.Fault{whmcstest.FaultRedirect302, whmcstest.FaultRedirect307} {
		t.Run(f.String()+" fails the listing", func(t *testing.T) {
			w := newWorld(t, whmcstest.Options{})
			seedServices(w, 2)
			w.srv.RedirectTo(foreign.URL + "/includes/api.php")
			w.srv.SetFault(f)
			svcs, err := w.store.Services(context.Background())
			if err == nil || svcs != nil || !strings.Contains(err.Error(), foreign.URL) {
				t.Errorf("Services = %v, %v", svcs, err)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("the other host received %d requests", n)
			}
		})
	}
}
