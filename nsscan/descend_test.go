package nsscan_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
)

// The checks below the registry: a name's delegation may come from a zone
// between the registry and the name, and such a zone may be broken or
// hostile. Whatever it does, a name it cannot vouch for is never judged
// Incorrect.

func TestCheckBelowTheRegistryNeverCondemnsOnAZoneThatCannotAnswer(t *testing.T) {
	tests := []struct {
		name     string
		fault    nsscantest.Fault
		category nsscan.Category
		detail   string
	}{
		{name: "a parent domain whose servers all time out is a timeout", fault: nsscantest.FaultDrop,
			category: nsscan.CategoryTimeout, detail: "none of its servers answered"},
		{name: "a lame parent domain is unable to check", fault: nsscantest.FaultLame,
			category: nsscan.CategoryUnableToCheck, detail: "lame"},
		{name: "a parent domain that answers SERVFAIL is unable to check", fault: nsscantest.FaultServFail,
			category: nsscan.CategoryUnableToCheck, detail: "SERVFAIL"},
		{name: "a parent domain that refers upward is unable to check", fault: nsscantest.FaultReferUp,
			category: nsscan.CategoryUnableToCheck, detail: "referral upward to ."},
		{name: "a parent domain that refers to itself (a loop) is unable to check", fault: nsscantest.FaultReferSelf,
			category: nsscan.CategoryUnableToCheck, detail: "referral upward to bigcorp.test"},
		{name: "a parent domain that refers sideways is unable to check", fault: nsscantest.FaultReferSideways,
			category: nsscan.CategoryUnableToCheck, detail: "referral sideways to sideways.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lab := startLab(t)
			lab.SetFault(nsscantest.AddrBigcorp1, tt.fault)
			lab.SetFault(nsscantest.AddrBigcorp2, tt.fault)
			cfg := lab.Config()
			if tt.fault == nsscantest.FaultDrop {
				cfg.Timeout, cfg.Attempts = silentTimeout, 4
			}
			// A WHOIS fallback that would call the name incorrect if it were
			// asked: it knows only bigcorp.test's own delegation.
			w := &stubWhois{ns: []string{"ns1.bigcorp.test", "ns2.bigcorp.test"}}
			cfg.Whois = w
			c := newChecker(t, cfg)
			for _, domain := range []string{"shop.bigcorp.test", "away.bigcorp.test", "www.bigcorp.test"} {
				r := c.Check(context.Background(), domain, hostco())
				if r.Status != nsscan.StatusError || r.Category != tt.category {
					t.Fatalf("%s: %s/%s, want error/%s; detail: %s", domain, r.Status, r.Category, tt.category, r.Detail)
				}
				if !strings.Contains(r.Detail, "to the zone bigcorp.test") || !strings.Contains(r.Detail, tt.detail) {
					t.Errorf("%s: detail %q does not name the zone and say %q", domain, r.Detail, tt.detail)
				}
				if len(r.Path) != 1 || r.Path[0].Zone != "test" || !strings.Contains(r.Path[0].Answer, "refers "+domain+" to the zone bigcorp.test") {
					t.Errorf("%s: path %+v, want the registry's referral to bigcorp.test", domain, r.Path)
				}
				if r.Err == nil || len(r.Nameservers) != 0 {
					t.Errorf("%s: err %v, nameservers %v", domain, r.Err, r.Nameservers)
				}
			}
			if w.calls.Load() != 0 {
				t.Errorf("WHOIS was asked %d times about a zone below the registry", w.calls.Load())
			}
		})
	}
	t.Run("a parent domain with one silent server moves on to the other", func(t *testing.T) {
		lab := startLab(t)
		first := firstOf(t, "shop.bigcorp.test", hostco(), nsscantest.AddrBigcorp1, nsscantest.AddrBigcorp2)
		lab.SetFault(first, nsscantest.FaultDrop)
		cfg := lab.Config()
		cfg.Timeout, cfg.Attempts = silentTimeout, silentAttempts
		c := newChecker(t, cfg)
		r := c.Check(context.Background(), "shop.bigcorp.test", hostco())
		if r.Status != nsscan.StatusCorrect || r.Zone != "shop.bigcorp.test" {
			t.Fatalf("%s/%s zone %s; detail: %s", r.Status, r.Category, r.Zone, r.Detail)
		}
		if lab.Queries(first, "shop.bigcorp.test") == 0 || strings.Contains(r.ParentServer, first+":") {
			t.Errorf("the silent server was asked %d times, the answer came from %s", lab.Queries(first, "shop.bigcorp.test"), r.ParentServer)
		}
	})
}

func TestCheckBelowTheRegistryIsBounded(t *testing.T) {
	t.Run("a delegation loop through glueless nameservers is unable to check", func(t *testing.T) {
		lab := startLab(t)
		c := newChecker(t, lab.Config())
		r := c.Check(context.Background(), "shop.cyc1.test", hostco())
		if r.Status != nsscan.StatusError || r.Category != nsscan.CategoryUnableToCheck {
			t.Fatalf("%s/%s, want error/unable-to-check; detail: %s", r.Status, r.Category, r.Detail)
		}
		if !strings.Contains(r.Detail, "no address for any of its nameservers ns.cyc2.test") {
			t.Errorf("detail %q", r.Detail)
		}
		// The loop is cut at a fixed depth of lookups, whatever the timing.
		if n := lab.Queries(nsscantest.AddrTest1) + lab.Queries(nsscantest.AddrTest2); n > 40 {
			t.Errorf("%d queries to the registry for one check", n)
		}
	})
	t.Run("a chain of zones deeper than the bound is not followed to the end", func(t *testing.T) {
		const levels = 10
		servers, names := chain(levels)
		lab := startLab(t, servers...)
		c := newChecker(t, lab.Config())
		// names[k] is delegated, by the zone above it, to a server at
		// 127.0.0.(60+k), which its glue names: an address expectation
		// matches exactly that one.
		want := func(k int) nsscan.Expectation {
			return nsscan.Expectation{Nameservers: []string{fmt.Sprintf("127.0.0.%d", 60+k)}}
		}
		deepest := 7 // the registry's zone and seven below it: maxDescent
		r := c.Check(context.Background(), names[deepest], want(deepest))
		if r.Status != nsscan.StatusCorrect || r.Zone != names[deepest] || len(r.Path) != deepest+1 {
			t.Errorf("%d levels down: %s/%s zone %s after %d steps; detail: %s", deepest, r.Status, r.Category, r.Zone, len(r.Path), r.Detail)
		}
		r = c.Check(context.Background(), names[deepest+1], want(deepest+1))
		if r.Status != nsscan.StatusError || r.Category != nsscan.CategoryUnableToCheck || !strings.Contains(r.Detail, "more than 7 zones below the registry") {
			t.Errorf("%d levels down: %s/%s; detail: %s", deepest+1, r.Status, r.Category, r.Detail)
		}
		if got := lab.Queries(fmt.Sprintf("127.0.0.%d", 60+deepest)); got != 0 {
			t.Errorf("the server of the zone past the bound was asked %d times", got)
		}
	})
}

func TestCheckBelowTheRegistryConfirmsAlongOtherServers(t *testing.T) {
	first := firstOf(t, "away.bigcorp.test", nsscan.Expectation{Nameservers: []string{"ns1.other.test"}}, nsscantest.AddrBigcorp1, nsscantest.AddrBigcorp2)
	servers := nsscantest.Registry()
	for i := range servers {
		if servers[i].Addr == otherOf(first, nsscantest.AddrBigcorp1, nsscantest.AddrBigcorp2) {
			back := strings.Replace(servers[i].Zones[0], "away           NS  ns1.other.test.\naway           NS  ns2.other.test.",
				"away           NS  ns1.hostco.test.\naway           NS  ns2.hostco.test.", 1)
			if back == servers[i].Zones[0] {
				t.Fatal("zone edit did not apply")
			}
			servers[i].Zones = []string{back}
		}
	}
	lab := startLab(t, servers...)
	c := newChecker(t, lab.Config())
	r := c.Check(context.Background(), "away.bigcorp.test", hostco())
	if r.Status != nsscan.StatusError || r.Category != nsscan.CategoryUnableToCheck || !strings.Contains(r.Detail, "disagree") {
		t.Fatalf("%s/%s, want the disagreement as an error; detail: %s", r.Status, r.Category, r.Detail)
	}
	for _, a := range []string{nsscantest.AddrTest1, nsscantest.AddrTest2, nsscantest.AddrBigcorp1, nsscantest.AddrBigcorp2} {
		if lab.Queries(a, "away.bigcorp.test") != 1 {
			t.Errorf("%s was asked %d times, want once: the second descent avoids the first's servers", a, lab.Queries(a, "away.bigcorp.test"))
		}
	}
}

func TestFallbackCannotJudgeANameBelowTheRegistrableDomain(t *testing.T) {
	lab := startLab(t)
	lab.SetFault(nsscantest.AddrTest1, nsscantest.FaultServFail)
	lab.SetFault(nsscantest.AddrTest2, nsscantest.FaultServFail)
	cfg := lab.Config()
	w := &stubWhois{ns: []string{"ns1.bigcorp.test", "ns2.bigcorp.test"}}
	cfg.Whois = w
	c := newChecker(t, cfg)
	r := c.Check(context.Background(), "shop.bigcorp.test", hostco())
	if r.Status != nsscan.StatusError || r.Category != nsscan.CategoryUnableToCheck {
		t.Fatalf("%s/%s, want an error; detail: %s", r.Status, r.Category, r.Detail)
	}
	if w.calls.Load() != 1 || !strings.Contains(r.Detail, "only DNS can tell") || len(r.Nameservers) != 0 {
		t.Errorf("WHOIS asked %d times; detail %q; nameservers %v", w.calls.Load(), r.Detail, r.Nameservers)
	}
	// The registrable domain itself is judged from WHOIS as before.
	if r := c.Check(context.Background(), "bigcorp.test", hostco()); r.Status != nsscan.StatusIncorrect || r.Source != nsscan.SourceWhois {
		t.Errorf("bigcorp.test: %s from %s; detail: %s", r.Status, r.Source, r.Detail)
	}
}

// stubWhois answers every lookup with the same nameservers and counts the
// calls.
type stubWhois struct {
	ns    []string
	calls atomic.Int32
}

func (w *stubWhois) LookupNameservers(_ context.Context, domain string) (nsscan.WhoisRecord, error) {
	w.calls.Add(1)
	return nsscan.WhoisRecord{Server: "whois.stub.test:43", Nameservers: slices.Clone(w.ns)}, nil
}

// chain returns a registry whose zone test delegates deep.test, which
// delegates l1.deep.test, and so on, each zone on a server of its own at
// 127.0.0.(60+k), levels zones in all; names[k] is the k-th zone.
func chain(levels int) ([]nsscantest.Server, []string) {
	servers := nsscantest.Registry()
	names := []string{"deep.test"}
	for k := 1; k < levels; k++ {
		names = append(names, fmt.Sprintf("l%d.%s", k, names[k-1]))
	}
	for i := range servers {
		if servers[i].Addr == nsscantest.AddrTest1 || servers[i].Addr == nsscantest.AddrTest2 {
			servers[i].Zones = slices.Clone(servers[i].Zones)
			servers[i].Zones[0] += "deep NS ns.deep\nns.deep A 127.0.0.60\n"
		}
	}
	for k := range levels {
		zone := fmt.Sprintf("$ORIGIN %s.\n$TTL 3600\n@ SOA ns.%s. hostmaster.%s. 1 7200 3600 1209600 300\n@ NS ns\nns A 127.0.0.%d\n",
			names[k], names[k], names[k], 60+k)
		if k+1 < levels {
			zone += fmt.Sprintf("l%d NS ns.l%d\nns.l%d A 127.0.0.%d\n", k+1, k+1, k+1, 61+k)
		}
		servers = append(servers, nsscantest.Server{Addr: fmt.Sprintf("127.0.0.%d", 60+k), Zones: []string{zone}})
	}
	return servers, names
}
