package nsscan_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
)

func TestCheckReadsTheParentReferral(t *testing.T) {
	lab := startLab(t)
	hostcoNS := []string{"ns1.hostco.test", "ns2.hostco.test"}
	big := nsscan.Expectation{Nameservers: []string{"ns00-with-a-rather-long-label-for-size.hostco.test"}}
	var bigNS []string
	for i := range nsscantest.BigNameservers {
		bigNS = append(bigNS, fmt.Sprintf("ns%02d-with-a-rather-long-label-for-size.hostco.test", i))
	}
	tests := []struct {
		name        string
		domain      string
		want        nsscan.Expectation
		status      nsscan.Status
		category    nsscan.Category
		domainOut   string
		zone        string
		nameservers []string
		matched     []string
		missing     []string
		unexpected  []string
		source      nsscan.Source
		attempts    int
		detail      string
		parent      string   // who delegated: a name in ParentServer; "" means a registry server
		path        []string // the zones asked, when checked
	}{
		{name: "a domain delegated to the expected servers is correct", domain: "good.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "good.test", zone: "good.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 1, detail: "nothing to do"},
		{name: "input case, spaces and a final dot do not matter", domain: "  GOOD.Test. ", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "good.test", zone: "good.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 1},
		{name: "one of two expected servers is enough by default and the extra one is reported", domain: "partial.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "partial.test", zone: "partial.test",
			nameservers: []string{"ns1.hostco.test", "ns1.other.test"}, matched: []string{"ns1.hostco.test"},
			missing: []string{"ns2.hostco.test"}, unexpected: []string{"ns1.other.test"},
			source: nsscan.SourceReferral, attempts: 1, detail: "also to ns1.other.test"},
		{name: "one of two is incorrect when both are required, after a second server confirms", domain: "partial.test",
			want:   nsscan.Expectation{Nameservers: nsscantest.HostcoNameservers(), MinMatches: 2},
			status: nsscan.StatusIncorrect, domainOut: "partial.test", zone: "partial.test",
			nameservers: []string{"ns1.hostco.test", "ns1.other.test"}, matched: []string{"ns1.hostco.test"},
			missing: []string{"ns2.hostco.test"}, unexpected: []string{"ns1.other.test"},
			source: nsscan.SourceReferral, attempts: 2, detail: "1 of them expected (2 required)"},
		{name: "a domain delegated elsewhere is incorrect", domain: "elsewhere.test", want: hostco(),
			status: nsscan.StatusIncorrect, domainOut: "elsewhere.test", zone: "elsewhere.test",
			nameservers: []string{"ns1.other.test", "ns2.other.test"}, missing: hostcoNS,
			unexpected: []string{"ns1.other.test", "ns2.other.test"},
			source:     nsscan.SourceReferral, attempts: 2, detail: "ask the customer to set the nameservers to ns1.hostco.test, ns2.hostco.test"},
		{name: "upper-case nameserver names from the registry match", domain: "upper.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "upper.test", zone: "upper.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 1},
		{name: "an expectation in upper case with final dots matches", domain: "good.test",
			want:   nsscan.Expectation{Nameservers: []string{"NS1.HOSTCO.TEST.", "Ns2.HostCo.Test"}},
			status: nsscan.StatusCorrect, domainOut: "good.test", zone: "good.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 1},
		{name: "an internationalised name is checked by its A-label", domain: "Bücher.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "xn--bcher-kva.test", zone: "xn--bcher-kva.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 1},
		{name: "white-label nameservers match the expected addresses through glue", domain: "vanity.test",
			want:   nsscan.Expectation{Nameservers: []string{"127.0.0.20", "127.0.0.21"}, MinMatches: 2},
			status: nsscan.StatusCorrect, domainOut: "vanity.test", zone: "vanity.test",
			nameservers: []string{"ns1.vanity.test", "ns2.vanity.test"}, matched: []string{"ns1.vanity.test", "ns2.vanity.test"},
			source: nsscan.SourceReferral, attempts: 1},
		{name: "white-label nameservers do not match the expected names", domain: "vanity.test", want: hostco(),
			status: nsscan.StatusIncorrect, domainOut: "vanity.test", zone: "vanity.test",
			nameservers: []string{"ns1.vanity.test", "ns2.vanity.test"}, missing: hostcoNS,
			unexpected: []string{"ns1.vanity.test", "ns2.vanity.test"}, source: nsscan.SourceReferral, attempts: 2},
		{name: "a referral too big for UDP is read over TCP, not taken for no nameservers", domain: "big.test", want: big,
			status: nsscan.StatusCorrect, domainOut: "big.test", zone: "big.test",
			nameservers: bigNS, matched: bigNS[:1], unexpected: bigNS[1:], source: nsscan.SourceReferral, attempts: 2},
		{name: "a registry server that also serves the domain answers with authority", domain: "served.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "served.test", zone: "served.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceParentAuthoritative, attempts: 1},
		{name: "a subdomain account is judged by its enclosing zone once that zone's server says it has no cut of its own", domain: "blog.good.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "blog.good.test", zone: "good.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 2, detail: "ns1.hostco.test (127.0.0.20:", path: []string{"test", "good.test"}},
		{name: "a name the enclosing zone does not have is judged by that zone too", domain: "nothere.good.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "nothere.good.test", zone: "good.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 2, detail: "no such name", path: []string{"test", "good.test"}},
		{name: "a name a parent domain sub-delegates on its own servers is judged by that delegation", domain: "shop.bigcorp.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "shop.bigcorp.test", zone: "shop.bigcorp.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 2, parent: "bigcorp.test", detail: "The parent zone bigcorp.test delegates shop.bigcorp.test",
			path: []string{"test", "bigcorp.test"}},
		{name: "a name a parent domain sub-delegates elsewhere is incorrect, confirmed along other servers", domain: "away.bigcorp.test", want: hostco(),
			status: nsscan.StatusIncorrect, domainOut: "away.bigcorp.test", zone: "away.bigcorp.test",
			nameservers: []string{"ns1.other.test", "ns2.other.test"}, missing: hostcoNS, unexpected: []string{"ns1.other.test", "ns2.other.test"},
			source: nsscan.SourceReferral, attempts: 4, parent: "bigcorp.test", detail: "in the zone bigcorp.test", path: []string{"test", "bigcorp.test"}},
		{name: "a name inside a parent domain on other servers is judged by that domain", domain: "www.bigcorp.test", want: hostco(),
			status: nsscan.StatusIncorrect, domainOut: "www.bigcorp.test", zone: "bigcorp.test",
			nameservers: []string{"ns1.bigcorp.test", "ns2.bigcorp.test"}, missing: hostcoNS, unexpected: []string{"ns1.bigcorp.test", "ns2.bigcorp.test"},
			source: nsscan.SourceReferral, attempts: 4, detail: "of bigcorp.test answered that www.bigcorp.test has no delegation of its own", path: []string{"test", "bigcorp.test"}},
		{name: "a domain under a second-level registry the Public Suffix List lacks is judged by that registry's delegation", domain: "example.sld.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "example.sld.test", zone: "example.sld.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 2, parent: "nic.sld.test", path: []string{"test", "sld.test"}},
		{name: "a domain an unlisted registry delegates elsewhere is incorrect, the registry above confirming with its other server", domain: "moved.sld.test", want: hostco(),
			status: nsscan.StatusIncorrect, domainOut: "moved.sld.test", zone: "moved.sld.test",
			nameservers: []string{"ns1.other.test", "ns2.other.test"}, missing: hostcoNS, unexpected: []string{"ns1.other.test", "ns2.other.test"},
			source: nsscan.SourceReferral, attempts: 4, parent: "nic.sld.test", path: []string{"test", "sld.test"}},
		{name: "a domain under a second-level suffix served with its TLD is checked", domain: "shop.co.test", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "shop.co.test", zone: "shop.co.test", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 1},
		{name: "a domain under a second-level suffix with servers of its own is checked", domain: "example.co.uk", want: hostco(),
			status: nsscan.StatusCorrect, domainOut: "example.co.uk", zone: "example.co.uk", nameservers: hostcoNS, matched: hostcoNS,
			source: nsscan.SourceReferral, attempts: 1},
		{name: "a name the registry does not have is not delegated, confirmed by a second server", domain: "missing.test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryNotDelegated, domainOut: "missing.test", zone: "missing.test",
			missing: hostcoNS, source: nsscan.SourceReferral, attempts: 2, detail: "expired, on hold or never registered"},
		{name: "a missing name under a registry with one server is not delegated after one query", domain: "gone.co.uk", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryNotDelegated, domainOut: "gone.co.uk", zone: "gone.co.uk",
			source: nsscan.SourceReferral, attempts: 1},
		{name: "a CNAME at the registry is an alias, whatever the target's delegation", domain: "alias.test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryAlias, domainOut: "alias.test", zone: "alias.test",
			source: nsscan.SourceReferral, attempts: 1, detail: "alias (CNAME) of good.test"},
		{name: "a name inside the registry's zone without a cut is not a zone", domain: "nic.test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryNotAZone, domainOut: "nic.test", zone: "nic.test",
			source: nsscan.SourceReferral, attempts: 1, detail: "registry zone test"},
		{name: "an unknown top-level domain is not supported", domain: "nope.invalidtld", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryTLDNotSupported, domainOut: "nope.invalidtld", zone: "nope.invalidtld",
			attempts: 0, detail: ".invalidtld does not exist"},
		{name: "a name with a space is invalid", domain: "exa mple.test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryInvalidDomain, attempts: 0, detail: "not a valid domain name"},
		{name: "a single label is invalid", domain: "test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryInvalidDomain, attempts: 0},
		{name: "an IP address is invalid", domain: "192.0.2.1", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryInvalidDomain, attempts: 0},
		{name: "an underscore is invalid", domain: "_dmarc.good.test", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryInvalidDomain, attempts: 0},
		{name: "a public suffix is invalid", domain: "co.uk", want: hostco(),
			status: nsscan.StatusError, category: nsscan.CategoryInvalidDomain, domainOut: "co.uk", zone: "co.uk", attempts: 0,
			detail: "public suffix"},
		{name: "an empty expectation is reported on the result", domain: "good.test", want: nsscan.Expectation{},
			status: nsscan.StatusError, category: nsscan.CategoryInvalidExpectation, attempts: 0},
		{name: "min matches above the list's length is reported on the result", domain: "good.test",
			want:   nsscan.Expectation{Nameservers: []string{"ns1.hostco.test"}, MinMatches: 2},
			status: nsscan.StatusError, category: nsscan.CategoryInvalidExpectation, attempts: 0},
	}
	c := newChecker(t, lab.Config())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Check(context.Background(), tt.domain, tt.want)
			if r.Status != tt.status || r.Category != tt.category {
				t.Fatalf("status %s/%q, want %s/%q; detail: %s; err: %v", r.Status, r.Category, tt.status, tt.category, r.Detail, r.Err)
			}
			if r.Input != tt.domain || r.Domain != tt.domainOut || r.Zone != tt.zone {
				t.Errorf("input/domain/zone %q/%q/%q, want %q/%q/%q", r.Input, r.Domain, r.Zone, tt.domain, tt.domainOut, tt.zone)
			}
			if tt.nameservers != nil && !slices.Equal(r.Nameservers, tt.nameservers) {
				t.Errorf("nameservers %v, want %v", r.Nameservers, tt.nameservers)
			}
			if !slices.Equal(r.Matched, tt.matched) || (tt.status != nsscan.StatusError && !slices.Equal(r.Missing, tt.missing)) ||
				!slices.Equal(r.Unexpected, tt.unexpected) {
				t.Errorf("matched/missing/unexpected %v/%v/%v, want %v/%v/%v", r.Matched, r.Missing, r.Unexpected, tt.matched, tt.missing, tt.unexpected)
			}
			if r.Source != tt.source || r.Attempts != tt.attempts {
				t.Errorf("source %q attempts %d, want %q %d", r.Source, r.Attempts, tt.source, tt.attempts)
			}
			if (r.Status == nsscan.StatusError) != (r.Err != nil) {
				t.Errorf("status %s with err %v", r.Status, r.Err)
			}
			if r.Detail == "" || !strings.Contains(r.Detail, tt.detail) {
				t.Errorf("detail %q does not say %q", r.Detail, tt.detail)
			}
			if parent := cmp.Or(tt.parent, "nic."); tt.source != "" && !strings.Contains(r.ParentServer, parent) {
				t.Errorf("parent server %q, want a server of %s", r.ParentServer, parent)
			}
			if tt.path != nil {
				var zones []string
				for _, s := range r.Path {
					zones = append(zones, s.Zone)
				}
				if !slices.Equal(zones, tt.path) {
					t.Errorf("path %v, want the zones %v", r.Path, tt.path)
				}
			}
		})
	}
}

// silentTimeout is the query timeout of tests in which some server never
// answers: short, so that the tests do not sit out long timeouts, while
// every assertion still holds when a loaded machine makes an answering
// server late too (see silentAttempts).
const silentTimeout = 250 * time.Millisecond

// silentAttempts is the query budget beside silentTimeout: enough that a
// server which does answer is asked again if a loaded machine made its
// answer late, rather than the check giving up.
const silentAttempts = 8

func TestCheckMovesOnFromAFaultyRegistryServer(t *testing.T) {
	first := firstServer(t, "good.test")
	second := otherServer(first)
	// Every fault below but the dropped query is answered at once, and the
	// lab's timeout is far longer than any delay a loaded machine adds, so
	// the queries counted are the ones the behaviour needs.
	tests := []struct {
		name     string
		fault    nsscantest.Fault
		attempts int // 0: not counted (a timeout is involved)
		answerer string
		asked    int // queries the faulty server must see
	}{
		{name: "SERVFAIL moves on to the next server", fault: nsscantest.FaultServFail, attempts: 2, answerer: second, asked: 1},
		{name: "REFUSED moves on to the next server", fault: nsscantest.FaultRefused, attempts: 2, answerer: second, asked: 1},
		{name: "a dropped query moves on after the timeout", fault: nsscantest.FaultDrop, answerer: second},
		{name: "an empty truncated answer is asked again over TCP at the same server", fault: nsscantest.FaultTruncateUDP, attempts: 2, answerer: first, asked: 2},
		{name: "an answer to another question is not used", fault: nsscantest.FaultWrongQuestion, attempts: 2, answerer: second, asked: 1},
		{name: "a stale answer with another ID is ignored", fault: nsscantest.FaultStaleID, attempts: 1, answerer: first, asked: 1},
		{name: "an upward referral moves on", fault: nsscantest.FaultReferUp, attempts: 2, answerer: second, asked: 1},
		{name: "a referral back to the same zone (a loop) moves on", fault: nsscantest.FaultReferSelf, attempts: 2, answerer: second, asked: 1},
		{name: "a sideways referral moves on", fault: nsscantest.FaultReferSideways, attempts: 2, answerer: second, asked: 1},
		{name: "a lame answer moves on", fault: nsscantest.FaultLame, attempts: 2, answerer: second, asked: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lab := startLab(t)
			lab.SetFault(first, tt.fault)
			cfg := lab.Config()
			if tt.fault == nsscantest.FaultDrop {
				cfg.Timeout, cfg.Attempts = silentTimeout, silentAttempts
			}
			c := newChecker(t, cfg)
			r := c.Check(context.Background(), "good.test", hostco())
			if r.Status != nsscan.StatusCorrect {
				t.Fatalf("status %s/%s, want correct; detail: %s", r.Status, r.Category, r.Detail)
			}
			if !slices.Equal(r.Nameservers, nsscantest.HostcoNameservers()) {
				t.Errorf("nameservers %v", r.Nameservers)
			}
			if tt.attempts != 0 && r.Attempts != tt.attempts {
				t.Errorf("attempts %d, want %d", r.Attempts, tt.attempts)
			}
			if got := lab.Queries(first, "good.test") + lab.Queries(second, "good.test"); got != r.Attempts {
				t.Errorf("servers saw %d queries, result says %d", got, r.Attempts)
			}
			if got := lab.Queries(first, "good.test"); got < 1 || (tt.asked != 0 && got != tt.asked) {
				t.Errorf("the faulty server was asked %d times, want %d", got, cmp.Or(tt.asked, 1))
			}
			if !strings.Contains(r.ParentServer, tt.answerer+":") {
				t.Errorf("answered by %s, want %s", r.ParentServer, tt.answerer)
			}
			if tt.fault == nsscantest.FaultDrop && c.Stats().Timeouts == 0 {
				t.Error("no query timed out, yet the first server never answers")
			}
		})
	}
}

func TestCheckReportsRegistryServersThatAllFail(t *testing.T) {
	tests := []struct {
		name     string
		fault    nsscantest.Fault
		category nsscan.Category
		detail   string
	}{
		{name: "all SERVFAIL is unable to check, without asking a server twice", fault: nsscantest.FaultServFail, category: nsscan.CategoryUnableToCheck, detail: "SERVFAIL"},
		{name: "all REFUSED is unable to check", fault: nsscantest.FaultRefused, category: nsscan.CategoryUnableToCheck, detail: "REFUSED"},
		{name: "all answering another question is unable to check", fault: nsscantest.FaultWrongQuestion, category: nsscan.CategoryUnableToCheck, detail: "different question"},
		{name: "all referring upward is unable to check", fault: nsscantest.FaultReferUp, category: nsscan.CategoryUnableToCheck, detail: "referral upward"},
		{name: "all referring in a loop is unable to check", fault: nsscantest.FaultReferSelf, category: nsscan.CategoryUnableToCheck, detail: "referral upward to test"},
		{name: "all referring sideways is unable to check", fault: nsscantest.FaultReferSideways, category: nsscan.CategoryUnableToCheck, detail: "referral sideways"},
		{name: "all lame is unable to check", fault: nsscantest.FaultLame, category: nsscan.CategoryUnableToCheck, detail: "lame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lab := startLab(t)
			lab.SetFault(nsscantest.AddrTest1, tt.fault)
			lab.SetFault(nsscantest.AddrTest2, tt.fault)
			c := newChecker(t, lab.Config())
			r := c.Check(context.Background(), "good.test", hostco())
			if r.Status != nsscan.StatusError || r.Category != tt.category {
				t.Fatalf("status %s/%s, want error/%s; detail: %s", r.Status, r.Category, tt.category, r.Detail)
			}
			// Each server answered at once and was of no use: each is asked
			// once, never twice.
			if r.Attempts != 2 || lab.Queries(nsscantest.AddrTest1, "good.test") != 1 || lab.Queries(nsscantest.AddrTest2, "good.test") != 1 {
				t.Errorf("attempts %d, servers asked %d and %d times, want once each", r.Attempts,
					lab.Queries(nsscantest.AddrTest1, "good.test"), lab.Queries(nsscantest.AddrTest2, "good.test"))
			}
			if !strings.Contains(r.Detail, tt.detail) || !strings.Contains(r.Detail, "registry") {
				t.Errorf("detail %q does not say %q", r.Detail, tt.detail)
			}
			if r.Err == nil || len(r.Nameservers) != 0 {
				t.Errorf("err %v, nameservers %v", r.Err, r.Nameservers)
			}
		})
	}
	t.Run("all silent is a timeout after spending the attempts, silent servers asked again", func(t *testing.T) {
		lab := startLab(t)
		lab.SetFault(nsscantest.AddrTest1, nsscantest.FaultDrop)
		lab.SetFault(nsscantest.AddrTest2, nsscantest.FaultDrop)
		cfg := lab.Config()
		cfg.Timeout, cfg.Attempts = silentTimeout, 3
		c := newChecker(t, cfg)
		r := c.Check(context.Background(), "good.test", hostco())
		if r.Status != nsscan.StatusError || r.Category != nsscan.CategoryTimeout {
			t.Fatalf("status %s/%s, want error/timeout; detail: %s", r.Status, r.Category, r.Detail)
		}
		// Nobody answers, so the budget alone decides the count.
		asked1, asked2 := lab.Queries(nsscantest.AddrTest1, "good.test"), lab.Queries(nsscantest.AddrTest2, "good.test")
		if r.Attempts != 3 || asked1+asked2 != 3 || asked1 == 0 || asked2 == 0 {
			t.Errorf("attempts %d, servers asked %d and %d times, want 3 queries over both", r.Attempts, asked1, asked2)
		}
		if !strings.Contains(r.Detail, "answered within 250ms") || !strings.Contains(r.Detail, "registry") {
			t.Errorf("detail %q", r.Detail)
		}
	})
}

func TestCheckWhenTheRootFails(t *testing.T) {
	lab := startLab(t)
	lab.SetFault(nsscantest.AddrRoot, nsscantest.FaultDrop)
	cfg := lab.Config()
	cfg.Timeout, cfg.Attempts = silentTimeout, silentAttempts
	c := newChecker(t, cfg)
	r := c.Check(context.Background(), "good.test", hostco())
	if r.Status != nsscan.StatusError || r.Category != nsscan.CategoryTimeout {
		t.Fatalf("status %s/%s, want error/timeout; detail %s", r.Status, r.Category, r.Detail)
	}
	if r.Attempts != 0 {
		t.Errorf("attempts %d: the shared root lookup is not the domain's own", r.Attempts)
	}
	// A failed lookup is not cached: once the root answers, checks work.
	lab.SetFault(nsscantest.AddrRoot, nsscantest.FaultNone)
	if r := c.Check(context.Background(), "good.test", hostco()); r.Status != nsscan.StatusCorrect {
		t.Errorf("after the root recovered: %s/%s %s", r.Status, r.Category, r.Detail)
	}
}

func TestCheckConfirmsNegativeVerdictsWithASecondServer(t *testing.T) {
	first := firstServer(t, "good.test")
	moved := strings.Replace(nsscantest.TestZone(), "good           NS  ns1.hostco.test.\ngood           NS  ns2.hostco.test.",
		"good           NS  ns1.other.test.\ngood           NS  ns2.other.test.", 1)
	renamed := strings.Replace(nsscantest.TestZone(), "good           NS  ns1.hostco.test.\ngood           NS  ns2.hostco.test.",
		"good           NS  ns9.elsewhere.example.", 1)
	if moved == nsscantest.TestZone() || renamed == nsscantest.TestZone() {
		t.Fatal("zone edit did not apply")
	}
	registry := func(zone1, zone2 string) []nsscantest.Server {
		s := nsscantest.Registry()
		for i := range s {
			switch s[i].Addr {
			case first:
				s[i].Zones[0] = zone1
			case otherServer(first):
				s[i].Zones[0] = zone2
			}
		}
		return s
	}
	tests := []struct {
		name     string
		servers  []nsscantest.Server
		status   nsscan.Status
		category nsscan.Category
		attempts int
		detail   string
	}{
		{name: "an incorrect first answer that the second server contradicts is not condemned",
			servers: registry(moved, nsscantest.TestZone()), status: nsscan.StatusError, category: nsscan.CategoryUnableToCheck,
			attempts: 2, detail: "disagree"},
		{name: "a correct first answer is not second-guessed",
			servers: registry(nsscantest.TestZone(), moved), status: nsscan.StatusCorrect, attempts: 1},
		{name: "two incorrect answers with different names are incorrect",
			servers: registry(moved, renamed), status: nsscan.StatusIncorrect, attempts: 2},
		{name: "a second server that cannot answer leaves the first authoritative answer standing",
			servers: func() []nsscantest.Server {
				s := registry(moved, nsscantest.TestZone())
				for i := range s {
					if s[i].Addr == otherServer(first) {
						s[i].Fault = nsscantest.FaultServFail
					}
				}
				return s
			}(), status: nsscan.StatusIncorrect, attempts: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lab := startLab(t, tt.servers...)
			c := newChecker(t, lab.Config())
			r := c.Check(context.Background(), "good.test", hostco())
			if r.Status != tt.status || r.Category != tt.category || r.Attempts != tt.attempts {
				t.Fatalf("got %s/%q after %d queries, want %s/%q after %d; detail: %s",
					r.Status, r.Category, r.Attempts, tt.status, tt.category, tt.attempts, r.Detail)
			}
			if !strings.Contains(r.Detail, tt.detail) {
				t.Errorf("detail %q does not say %q", r.Detail, tt.detail)
			}
		})
	}
}

func TestCheckAllMatchesCheckAndSharesRegistryLookups(t *testing.T) {
	domains := []string{"good.test", "partial.test", "elsewhere.test", "upper.test", "bücher.test", "vanity.test",
		"big.test", "alias.test", "nic.test", "missing.test", "blog.good.test", "shop.co.test", "example.co.uk",
		"gone.co.uk", "nope.invalidtld", "bad name", "co.uk", "shop.bigcorp.test", "away.bigcorp.test", "www.bigcorp.test",
		"example.sld.test", "moved.sld.test", "nothere.good.test"}
	for i := range 40 {
		domains = append(domains, fmt.Sprintf("d%02d.test", i))
	}
	seqLab := startLab(t)
	seq := newChecker(t, seqLab.Config())
	want := map[string]nsscan.Result{}
	for _, d := range domains {
		want[d] = seq.Check(context.Background(), d, hostco())
	}

	lab := startLab(t)
	cfg := lab.Config()
	cfg.Concurrency = 16
	c := newChecker(t, cfg)
	got := map[string]nsscan.Result{}
	for r := range c.CheckAll(context.Background(), domains, hostco()) {
		if _, dup := got[r.Input]; dup {
			t.Errorf("%s yielded twice", r.Input)
		}
		got[r.Input] = r
	}
	if len(got) != len(domains) {
		t.Fatalf("got %d results for %d domains", len(got), len(domains))
	}
	for _, d := range domains {
		g, w := got[d], want[d]
		if g.Status != w.Status || g.Category != w.Category || g.Zone != w.Zone || g.Attempts != w.Attempts || len(g.Path) != len(w.Path) ||
			!slices.Equal(g.Nameservers, w.Nameservers) || !strings.HasPrefix(g.ParentServer, strings.Split(w.ParentServer, ":")[0]) {
			t.Errorf("%s: concurrent %s/%s/%s/%d/%v/%s, sequential %s/%s/%s/%d/%v/%s", d,
				g.Status, g.Category, g.Zone, g.Attempts, g.Nameservers, g.ParentServer,
				w.Status, w.Category, w.Zone, w.Attempts, w.Nameservers, w.ParentServer)
		}
	}
	for zone, n := range map[string]int{"test": lab.Queries(nsscantest.AddrRoot, "test"), "uk": lab.Queries(nsscantest.AddrRoot, "uk"),
		"co.uk": lab.Queries(nsscantest.AddrUK, "co.uk"), "invalidtld": lab.Queries(nsscantest.AddrRoot, "invalidtld")} {
		if n != 1 {
			t.Errorf("the servers of %s were looked up %d times, want once for all checks", zone, n)
		}
	}
}

func TestCheckAllStops(t *testing.T) {
	domains := make([]string, 50)
	for i := range domains {
		domains[i] = fmt.Sprintf("d%02d.test", i)
	}
	t.Run("breaking out of the loop stops the workers", func(t *testing.T) {
		servers := nsscantest.Registry()
		for i := range servers {
			servers[i].Delay = 10 * time.Millisecond
		}
		lab := startLab(t, servers...)
		cfg := lab.Config()
		cfg.Concurrency = 4
		c := newChecker(t, cfg)
		n := 0
		for range c.CheckAll(context.Background(), domains, hostco()) {
			n++
			if n == 3 {
				break
			}
		}
		sent := lab.Queries(nsscantest.AddrTest1) + lab.Queries(nsscantest.AddrTest2)
		if sent >= 2*len(domains) {
			t.Errorf("%d queries sent after stopping at 3 results", sent)
		}
	})
	t.Run("cancelling the context ends the checks in flight at once", func(t *testing.T) {
		lab := startLab(t)
		lab.SetFault(nsscantest.AddrTest1, nsscantest.FaultDrop)
		lab.SetFault(nsscantest.AddrTest2, nsscantest.FaultDrop)
		cfg := lab.Config()
		// No query can time out during the test: the checks in flight can
		// end only by the cancel (a CheckAll that ignored it would hang).
		cfg.Timeout = time.Hour
		cfg.Concurrency = 4
		c := newChecker(t, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		// Cancel once the workers are waiting for their answers.
		go func() {
			for lab.Queries(nsscantest.AddrTest1)+lab.Queries(nsscantest.AddrTest2) < cfg.Concurrency {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		var results []nsscan.Result
		for r := range c.CheckAll(ctx, domains, hostco()) {
			results = append(results, r)
		}
		if c.Stats().Timeouts != 0 {
			t.Errorf("%d queries timed out, want every check ended by the cancel", c.Stats().Timeouts)
		}
		if len(results) == 0 || len(results) > cfg.Concurrency {
			t.Errorf("%d results, want at most the %d in flight", len(results), cfg.Concurrency)
		}
		for _, r := range results {
			if r.Status != nsscan.StatusError || r.Category != nsscan.CategoryTimeout || !errors.Is(r.Err, context.Canceled) {
				t.Errorf("%s: %s/%s err %v, want a cancelled timeout", r.Input, r.Status, r.Category, r.Err)
			}
		}
	})
	t.Run("an invalid expectation yields an error per domain and sends nothing", func(t *testing.T) {
		lab := startLab(t)
		c := newChecker(t, lab.Config())
		n := 0
		for r := range c.CheckAll(context.Background(), domains, nsscan.Expectation{MinMatches: 1}) {
			n++
			if r.Category != nsscan.CategoryInvalidExpectation || !errors.Is(r.Err, nsscan.ErrInvalidExpectation) {
				t.Errorf("%s: %s %v", r.Input, r.Category, r.Err)
			}
		}
		if n != len(domains) || c.Stats().Queries != 0 {
			t.Errorf("%d results, %d queries", n, c.Stats().Queries)
		}
	})
}

func TestRatePerServer(t *testing.T) {
	t.Run("a limit that would pass the deadline fails fast as rate-limited", func(t *testing.T) {
		lab := startLab(t)
		cfg := lab.Config()
		cfg.RatePerServer = 0.001
		c := newChecker(t, cfg)
		if r := c.Check(context.Background(), "good.test", hostco()); r.Status != nsscan.StatusCorrect {
			t.Fatalf("first check: %s %s", r.Status, r.Detail)
		}
		// The registry server's next token is a thousand seconds away, far
		// past the deadline however slow the first check was. Had the check
		// waited, the deadline would have ended it as a timeout instead.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		r := c.Check(ctx, "good.test", hostco())
		if r.Status != nsscan.StatusError || r.Category != nsscan.CategoryRateLimited || !errors.Is(r.Err, nsscan.ErrRateLimited) {
			t.Fatalf("second check: %s/%s %v", r.Status, r.Category, r.Err)
		}
		if r.Attempts != 0 || ctx.Err() != nil {
			t.Errorf("attempts %d, context %v: it should not have sent or waited", r.Attempts, ctx.Err())
		}
	})
	t.Run("queries to one server are paced", func(t *testing.T) {
		lab := startLab(t)
		cfg := lab.Config()
		cfg.RatePerServer = 40
		cfg.Concurrency = 8
		c := newChecker(t, cfg)
		domains := slices.Repeat([]string{"good.test"}, 12)
		start := time.Now()
		for r := range c.CheckAll(context.Background(), domains, hostco()) {
			if r.Status != nsscan.StatusCorrect {
				t.Errorf("%s: %s %s", r.Input, r.Status, r.Detail)
			}
		}
		// 12 queries to one server at 40/s with a burst of 1 take at
		// least 11/40 s: a lower bound the limiter guarantees.
		if elapsed, least := time.Since(start), 11*time.Second/40; elapsed < least {
			t.Errorf("12 queries took %v, less than %v", elapsed, least)
		}
		if c.Stats().RateLimitWaits == 0 {
			t.Error("no query waited for the limiter")
		}
	})
}

func TestResultJSON(t *testing.T) {
	lab := startLab(t)
	c := newChecker(t, lab.Config())
	for _, d := range []string{"elsewhere.test", "missing.test"} {
		r := c.Check(context.Background(), d, hostco())
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"input", "domain", "unicode", "zone", "status", "nameservers", "matched", "missing",
			"unexpected", "source", "parentServer", "attempts", "durationNs", "detail"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: key %q missing from %s", d, k, b)
			}
		}
		for k := range m {
			if strings.ContainsAny(k, "_-") || strings.ToLower(k[:1]) != k[:1] {
				t.Errorf("%s: key %q is not camelCase like the rest of the module", d, k)
			}
		}
		if (r.Err != nil) != (m["error"] != nil) {
			t.Errorf("%s: error %v in JSON %s", d, r.Err, b)
		}
		var back nsscan.Result
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Status != r.Status || back.Detail != r.Detail || back.Duration != r.Duration ||
			!slices.Equal(back.Nameservers, r.Nameservers) || (back.Err == nil) != (r.Err == nil) {
			t.Errorf("%s: round trip %+v, want %+v", d, back, r)
		}
	}
}

func TestExpectationJSON(t *testing.T) {
	b, err := json.Marshal(nsscan.Expectation{Nameservers: []string{"ns1.hostco.test"}, MinMatches: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"nameservers":["ns1.hostco.test"],"minMatches":1}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  nsscan.Config
	}{
		{name: "a root that is a host name", cfg: nsscan.Config{Roots: []string{"a.root-servers.net"}}},
		{name: "a port out of range", cfg: nsscan.Config{Roots: []string{"127.0.0.1"}, Port: 70000}},
		{name: "a negative timeout", cfg: nsscan.Config{Roots: []string{"127.0.0.1"}, Timeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := nsscan.New(tt.cfg); err == nil || !strings.HasPrefix(err.Error(), "nsscan: new: ") {
				t.Errorf("err %v", err)
			}
		})
	}
}
