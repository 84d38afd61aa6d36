package nsscan_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/nsscan/nsscantest"
)

// startLab starts in-process servers on loopback and stops them when the
// test ends.
func startLab(t *testing.T, servers ...nsscantest.Server) *nsscantest.Lab {
	t.Helper()
	if len(servers) == 0 {
		servers = nsscantest.Registry()
	}
	lab, err := nsscantest.Start(servers...)
	if err != nil {
		t.Fatalf("start lab: %v", err)
	}
	t.Cleanup(lab.Close)
	return lab
}

// newChecker builds a Checker and refuses any configuration that could
// reach a server off the machine: the roots must be set and be loopback
// addresses, and the lab's zones hold loopback addresses only
// (nsscantest.Start checks), so every address learned from a referral is a
// loopback address too.
func newChecker(t *testing.T, cfg nsscan.Config) *nsscan.Checker {
	t.Helper()
	if len(cfg.Roots) == 0 {
		t.Fatal("a test Config must set Roots: the default is the real root servers")
	}
	for _, r := range cfg.Roots {
		ap, err := netip.ParseAddrPort(r)
		if err != nil || !ap.Addr().IsLoopback() {
			t.Fatalf("root %q is not a loopback address with a port", r)
		}
	}
	if cfg.RDAP != nil && cfg.RDAP.BootstrapURL == "" {
		t.Fatal("a test RDAP config must set BootstrapURL: the default is IANA's")
	}
	c, err := nsscan.New(cfg)
	if err != nil {
		t.Fatalf("new checker: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// hostco is the expectation most tests use.
func hostco() nsscan.Expectation {
	return nsscan.Expectation{Nameservers: nsscantest.HostcoNameservers()}
}

// firstServer returns the address of the registry server that a check of
// domain asks first.
func firstServer(t *testing.T, domain string) string {
	t.Helper()
	return firstOf(t, domain, hostco(), nsscantest.AddrTest1, nsscantest.AddrTest2)
}

// firstOf returns which of addrs, the servers of one zone, a check of domain
// asks first. The order is a pure function of the name and the servers, so
// a fresh lab with the same addresses tells. want must make the verdict
// positive, or the confirming check would ask the other servers too.
func firstOf(t *testing.T, domain string, want nsscan.Expectation, addrs ...string) string {
	t.Helper()
	lab := startLab(t)
	c := newChecker(t, lab.Config())
	if r := c.Check(context.Background(), domain, want); r.Attempts < 1 || r.Status != nsscan.StatusCorrect {
		t.Fatalf("probe of %s sent no query: %+v", domain, r)
	}
	for _, a := range addrs {
		if lab.Queries(a, domain) > 0 {
			return a
		}
	}
	t.Fatalf("probe of %s reached none of %v", domain, addrs)
	return ""
}

func otherServer(addr string) string {
	return otherOf(addr, nsscantest.AddrTest1, nsscantest.AddrTest2)
}

// otherOf returns whichever of a and b is not addr.
func otherOf(addr, a, b string) string {
	if addr == a {
		return b
	}
	return a
}
