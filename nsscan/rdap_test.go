package nsscan_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
)

// rdapServer is a fake registry RDAP service with its own bootstrap file,
// which lists "test" only.
type rdapServer struct {
	*httptest.Server
	bootstraps, lookups atomic.Int32
}

func startRDAP(t *testing.T) *rdapServer {
	t.Helper()
	s := &rdapServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bootstrap/dns.json", func(w http.ResponseWriter, r *http.Request) {
		s.bootstraps.Add(1)
		fmt.Fprintf(w, `{"version":"1.0","services":[[["test"],["%s/rdap/"]]]}`, s.URL)
	})
	mux.HandleFunc("GET /rdap/domain/{name}", func(w http.ResponseWriter, r *http.Request) {
		s.lookups.Add(1)
		if r.Header.Get("Accept") == "" || !strings.Contains(r.Header.Get("Accept"), "application/rdap+json") {
			http.Error(w, "no accept header", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/rdap+json")
		switch r.PathValue("name") {
		case "good.test":
			fmt.Fprint(w, `{"objectClassName":"domain","ldhName":"GOOD.TEST","status":["active"],
				"nameservers":[{"objectClassName":"nameserver","ldhName":"NS1.HOSTCO.TEST"},{"objectClassName":"nameserver","ldhName":"ns2.hostco.test."}]}`)
		case "held.test":
			fmt.Fprint(w, `{"objectClassName":"domain","ldhName":"HELD.TEST","status":["client hold","server transfer prohibited"],"nameservers":[]}`)
		case "limited.test":
			w.Header().Set("Retry-After", "30")
			http.Error(w, `{"errorCode":429}`, http.StatusTooManyRequests)
		default:
			http.Error(w, `{"errorCode":404,"title":"Not Found"}`, http.StatusNotFound)
		}
	})
	mux.HandleFunc("GET /broken/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *rdapServer) config() *nsscan.RDAPConfig {
	return &nsscan.RDAPConfig{BootstrapURL: s.URL + "/bootstrap/dns.json", RatePerServer: -1}
}

func TestCheckFallsBackToRDAP(t *testing.T) {
	tests := []struct {
		name     string
		domain   string
		status   nsscan.Status
		category nsscan.Category
		source   nsscan.Source
		detail   string
	}{
		{name: "RDAP nameservers are judged when every registry server fails", domain: "good.test",
			status: nsscan.StatusCorrect, source: nsscan.SourceRDAP, detail: "RDAP"},
		{name: "an RDAP 404 is not delegated", domain: "missing.test",
			status: nsscan.StatusError, category: nsscan.CategoryNotDelegated, source: nsscan.SourceRDAP, detail: "no registration"},
		{name: "an RDAP record without nameservers is unable to obtain whois", domain: "held.test",
			status: nsscan.StatusError, category: nsscan.CategoryUnableToObtainWhois, detail: "no nameservers"},
		// Last: after a 429 the RDAP host is left alone until Retry-After.
		{name: "an RDAP 429 without WHOIS is rate limited", domain: "limited.test",
			status: nsscan.StatusError, category: nsscan.CategoryRateLimited, detail: "rate limit"},
	}
	rdap := startRDAP(t)
	lab := startLab(t)
	lab.SetFault(nsscantest.AddrTest1, nsscantest.FaultServFail)
	lab.SetFault(nsscantest.AddrTest2, nsscantest.FaultServFail)
	cfg := lab.Config()
	cfg.RDAP = rdap.config()
	c := newChecker(t, cfg)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Check(context.Background(), tt.domain, hostco())
			if r.Status != tt.status || r.Category != tt.category || r.Source != tt.source {
				t.Fatalf("got %s/%q from %q, want %s/%q from %q; detail: %s",
					r.Status, r.Category, r.Source, tt.status, tt.category, tt.source, r.Detail)
			}
			if r.Attempts != 3 {
				t.Errorf("attempts %d, want 2 DNS queries and 1 RDAP request", r.Attempts)
			}
			if !strings.Contains(r.Detail, tt.detail) {
				t.Errorf("detail %q does not say %q", r.Detail, tt.detail)
			}
		})
	}
	if n := rdap.bootstraps.Load(); n != 1 {
		t.Errorf("bootstrap fetched %d times, want once per Checker", n)
	}
}

func TestCheckExplainsAMissingDelegationWithRDAPStatus(t *testing.T) {
	rdap := startRDAP(t)
	lab := startLab(t)
	cfg := lab.Config()
	cfg.RDAP = rdap.config()
	c := newChecker(t, cfg)
	tests := []struct {
		name, domain, detail string
	}{
		{name: "a held domain's status is named", domain: "held.test", detail: "status client hold, server transfer prohibited"},
		{name: "an unregistered domain is said to be so", domain: "missing.test", detail: "no registration for missing.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Check(context.Background(), tt.domain, hostco())
			if r.Category != nsscan.CategoryNotDelegated || r.Source != nsscan.SourceReferral {
				t.Fatalf("got %s/%s from %s", r.Status, r.Category, r.Source)
			}
			if !strings.Contains(r.Detail, tt.detail) {
				t.Errorf("detail %q does not say %q", r.Detail, tt.detail)
			}
		})
	}
	if r := c.Check(context.Background(), "good.test", hostco()); r.Status != nsscan.StatusCorrect || rdap.lookups.Load() != 2 {
		t.Errorf("a working delegation asked RDAP: %d lookups", rdap.lookups.Load())
	}
}

func TestCheckGoesFromRDAPToWhois(t *testing.T) {
	rdap := startRDAP(t)
	_, registry, wcfg := whoisLab(t, 0)
	lab := startLab(t)
	lab.SetFault(nsscantest.AddrTest1, nsscantest.FaultRefused)
	lab.SetFault(nsscantest.AddrTest2, nsscantest.FaultRefused)
	cfg := lab.Config()
	cfg.RDAP = rdap.config()
	cfg.RDAP.Servers = map[string]string{"test": rdap.URL + "/broken/"}
	w, err := nsscan.NewWhois(wcfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Whois = w
	c := newChecker(t, cfg)
	r := c.Check(context.Background(), "good.test", hostco())
	if r.Status != nsscan.StatusCorrect || r.Source != nsscan.SourceWhois || r.ParentServer != registry.addr {
		t.Fatalf("got %s from %s at %s: %s", r.Status, r.Source, r.ParentServer, r.Detail)
	}
	if r.Attempts != 4 {
		t.Errorf("attempts %d, want 2 DNS, 1 RDAP and 1 WHOIS", r.Attempts)
	}
}
