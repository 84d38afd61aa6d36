package nsscan_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
)

// whoisServer is a fake port-43 server on loopback: it reads one query line
// and answers with reply(query), after delay.
type whoisServer struct {
	addr  string
	mu    sync.Mutex
	asked []string
}

func startWhois(t *testing.T, delay time.Duration, reply func(query string) string) *whoisServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &whoisServer{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(30 * time.Second))
				line, err := bufio.NewReader(conn).ReadString('\n')
				if err != nil {
					return
				}
				q := strings.TrimSpace(line)
				s.mu.Lock()
				s.asked = append(s.asked, q)
				s.mu.Unlock()
				select {
				case <-time.After(delay):
				case <-done:
					return
				}
				conn.Write([]byte(reply(q)))
			}()
		}
	}()
	return s
}

func (s *whoisServer) queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.asked)
}

// registryWhois answers like a thin registry's WHOIS server.
func registryWhois(q string) string {
	switch q {
	case "good.test":
		return "Domain Name: GOOD.TEST\r\nRegistry Domain ID: 1_DOMAIN_TEST\r\nName Server: NS1.HOSTCO.TEST\r\nName Server: ns2.hostco.test\r\n" +
			"Registrar WHOIS Server: whois.registrar.test" // a referral with no final newline
	case "elsewhere.test":
		return "Domain Name: ELSEWHERE.TEST\r\nName Server: NS1.OTHER.TEST\r\n"
	case "limited.test":
		return "WHOIS LIMIT EXCEEDED - SEE WWW.NIC.TEST/WHOIS FOR DETAILS\r\n"
	case "empty.test":
		return "Domain Name: EMPTY.TEST\r\nStatus: active\r\n"
	}
	return "No match for \"" + strings.ToUpper(q) + "\".\r\n"
}

// whoisLab is an IANA server that refers "test" to a registry server.
func whoisLab(t *testing.T, delay time.Duration) (iana, registry *whoisServer, cfg nsscan.WhoisConfig) {
	registry = startWhois(t, delay, registryWhois)
	iana = startWhois(t, 0, func(q string) string {
		if q == "test" {
			// refer: and whois: as IANA writes them; the last line has no
			// newline, which makes likexian/whois's own parser panic.
			return "% IANA WHOIS server\n\nrefer:        " + registry.addr + "\n\ndomain:       TEST\n\nwhois:        " + registry.addr
		}
		return "% IANA WHOIS server\n\n% This query returned 0 objects.\n"
	})
	// A timeout no loaded machine reaches on loopback.
	return iana, registry, nsscan.WhoisConfig{IANAServer: iana.addr, Timeout: 30 * time.Second, RatePerServer: -1}
}

func TestRegistryWhois(t *testing.T) {
	tests := []struct {
		name   string
		domain string
		ns     []string
		err    error
		errSay string
	}{
		{name: "a registry record gives its nameservers, without the registrar referral", domain: "good.test",
			ns: []string{"ns1.hostco.test", "ns2.hostco.test"}},
		{name: "no match is not registered", domain: "missing.test", err: nsscan.ErrNotRegistered},
		{name: "a rate-limit text is rate limited", domain: "limited.test", err: nsscan.ErrRateLimited},
		{name: "a record without nameservers is an error, not an empty delegation", domain: "empty.test", errSay: "no nameservers"},
		{name: "a TLD IANA does not know has no WHOIS server", domain: "x.unknowntld", errSay: "no whois server"},
	}
	iana, registry, cfg := whoisLab(t, 0)
	w, err := nsscan.NewWhois(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := w.LookupNameservers(context.Background(), tt.domain)
			switch {
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Fatalf("err %v, want %v", err, tt.err)
			case tt.errSay != "" && (err == nil || !strings.Contains(err.Error(), tt.errSay)):
				t.Fatalf("err %v, want one saying %q", err, tt.errSay)
			case tt.err == nil && tt.errSay == "" && err != nil:
				t.Fatalf("err %v", err)
			}
			if !slices.Equal(rec.Nameservers, tt.ns) {
				t.Errorf("nameservers %v, want %v", rec.Nameservers, tt.ns)
			}
			if tt.err == nil && tt.errSay == "" && rec.Server != registry.addr {
				t.Errorf("server %q, want %q", rec.Server, registry.addr)
			}
		})
	}
	if got := iana.queries(); !slices.Equal(got, []string{"test", "unknowntld"}) {
		t.Errorf("IANA was asked %v, want once per TLD", got)
	}
	if got := registry.queries(); slices.Contains(got, "whois.registrar.test") || len(got) != 4 {
		t.Errorf("registry was asked %v", got)
	}
}

func TestRegistryWhoisHonoursContextAndPace(t *testing.T) {
	t.Run("a slow server is abandoned when the context ends", func(t *testing.T) {
		// The server answers only when the test ends and the client's own
		// timeout is an hour: the context alone can end the lookup (one
		// that ignored it would hang the test).
		_, _, cfg := whoisLab(t, time.Hour)
		cfg.Timeout = time.Hour
		w, _ := nsscan.NewWhois(cfg)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := w.LookupNameservers(ctx, "good.test")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v, want the context's", err)
		}
	})
	t.Run("a pace that would pass the deadline is rate limited at once", func(t *testing.T) {
		_, registry, cfg := whoisLab(t, 0)
		// The next token is a thousand seconds away, however long the first
		// lookup took, and far past the deadline.
		cfg.RatePerServer = 0.001
		cfg.Servers = map[string]string{"test": registry.addr}
		w, _ := nsscan.NewWhois(cfg)
		if _, err := w.LookupNameservers(context.Background(), "good.test"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := w.LookupNameservers(ctx, "good.test"); !errors.Is(err, nsscan.ErrRateLimited) {
			t.Errorf("err %v, want rate limited", err)
		}
		if n := len(registry.queries()); n != 1 {
			t.Errorf("registry asked %d times", n)
		}
	})
}

// panickyWhois is a WhoisClient with a bug.
type panickyWhois struct{}

func (panickyWhois) LookupNameservers(context.Context, string) (nsscan.WhoisRecord, error) {
	panic("slice bounds out of range")
}

func TestCheckFallsBackToWhoisWhenDNSCannotSay(t *testing.T) {
	tests := []struct {
		name     string
		domain   string
		whois    func(cfg nsscan.WhoisConfig) nsscan.WhoisClient
		status   nsscan.Status
		category nsscan.Category
		source   nsscan.Source
		attempts int
	}{
		{name: "WHOIS nameservers are judged when every registry server fails", domain: "good.test",
			status: nsscan.StatusCorrect, source: nsscan.SourceWhois, attempts: 3},
		{name: "WHOIS nameservers can be incorrect too", domain: "elsewhere.test",
			status: nsscan.StatusIncorrect, source: nsscan.SourceWhois, attempts: 3},
		{name: "no match in WHOIS is not delegated", domain: "missing.test",
			status: nsscan.StatusError, category: nsscan.CategoryNotDelegated, source: nsscan.SourceWhois, attempts: 3},
		{name: "a WHOIS rate limit is reported as such", domain: "limited.test",
			status: nsscan.StatusError, category: nsscan.CategoryRateLimited, attempts: 3},
		{name: "a WHOIS record without nameservers is unable to obtain whois", domain: "empty.test",
			status: nsscan.StatusError, category: nsscan.CategoryUnableToObtainWhois, attempts: 3},
		{name: "a panicking WHOIS client is an error, not a crash", domain: "good.test",
			whois:  func(nsscan.WhoisConfig) nsscan.WhoisClient { return panickyWhois{} },
			status: nsscan.StatusError, category: nsscan.CategoryUnableToObtainWhois, attempts: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, wcfg := whoisLab(t, 0)
			lab := startLab(t)
			lab.SetFault(nsscantest.AddrTest1, nsscantest.FaultServFail)
			lab.SetFault(nsscantest.AddrTest2, nsscantest.FaultServFail)
			cfg := lab.Config()
			if tt.whois != nil {
				cfg.Whois = tt.whois(wcfg)
			} else {
				w, err := nsscan.NewWhois(wcfg)
				if err != nil {
					t.Fatal(err)
				}
				cfg.Whois = w
			}
			c := newChecker(t, cfg)
			r := c.Check(context.Background(), tt.domain, hostco())
			if r.Status != tt.status || r.Category != tt.category || r.Source != tt.source || r.Attempts != tt.attempts {
				t.Fatalf("got %s/%q from %q after %d, want %s/%q from %q after %d; detail: %s",
					r.Status, r.Category, r.Source, r.Attempts, tt.status, tt.category, tt.source, tt.attempts, r.Detail)
			}
			if !strings.Contains(r.Detail, "SERVFAIL") && !strings.Contains(r.Detail, "DNS could not answer") &&
				r.Category != nsscan.CategoryNotDelegated {
				t.Errorf("detail %q does not say DNS failed", r.Detail)
			}
		})
	}
	t.Run("without a WHOIS client nothing is asked and the DNS failure stands", func(t *testing.T) {
		_, registry, _ := whoisLab(t, 0)
		lab := startLab(t)
		lab.SetFault(nsscantest.AddrTest1, nsscantest.FaultServFail)
		lab.SetFault(nsscantest.AddrTest2, nsscantest.FaultServFail)
		c := newChecker(t, lab.Config())
		r := c.Check(context.Background(), "good.test", hostco())
		if r.Category != nsscan.CategoryUnableToCheck || len(registry.queries()) != 0 {
			t.Errorf("category %s, whois asked %v", r.Category, registry.queries())
		}
	})
}
