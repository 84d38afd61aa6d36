package nsscantest_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/nsscan/nsscantest"
	"github.com/miekg/dns"
)

func TestStartRefusesAnythingOffTheMachine(t *testing.T) {
	tests := []struct {
		name   string
		server nsscantest.Server
		say    string
	}{
		{name: "a server address that is not loopback", server: nsscantest.Server{Addr: "192.0.2.1", Zones: []string{"$ORIGIN x.\n$TTL 60\n@ SOA a. b. 1 2 3 4 5\n"}},
			say: "not an IPv4 loopback address"},
		{name: "glue that points off the machine", server: nsscantest.Server{Addr: "127.0.0.30",
			Zones: []string{"$ORIGIN x.\n$TTL 60\n@ SOA a. b. 1 2 3 4 5\nsub NS ns.sub\nns.sub A 198.41.0.4\n"}}, say: "not a loopback address"},
		{name: "an IPv6 address that is not loopback", server: nsscantest.Server{Addr: "127.0.0.30",
			Zones: []string{"$ORIGIN x.\n$TTL 60\n@ SOA a. b. 1 2 3 4 5\nns AAAA 2001:db8::1\n"}}, say: "not a loopback address"},
		{name: "a zone without an SOA", server: nsscantest.Server{Addr: "127.0.0.30", Zones: []string{"$ORIGIN x.\n$TTL 60\nns A 127.0.0.1\n"}},
			say: "no SOA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lab, err := nsscantest.Start(tt.server)
			if err == nil {
				lab.Close()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tt.say) {
				t.Errorf("err %v does not say %q", err, tt.say)
			}
		})
	}
}

func TestLabServersAnswerLikeAuthoritativeServers(t *testing.T) {
	lab, err := nsscantest.Start(nsscantest.Registry()...)
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	ask := func(addr, name string, qtype uint16, edns bool, network string) *dns.Msg {
		t.Helper()
		q := new(dns.Msg)
		q.SetQuestion(name, qtype)
		q.RecursionDesired = false
		if edns {
			q.SetEdns0(1232, false)
		}
		c := dns.Client{Net: network, Timeout: nsscantest.LabTimeout}
		ctx, cancel := context.WithTimeout(context.Background(), 2*nsscantest.LabTimeout)
		defer cancel()
		r, _, err := c.ExchangeContext(ctx, q, net.JoinHostPort(addr, strconv.Itoa(lab.Port())))
		if err != nil {
			t.Fatalf("%s %s: %v", name, network, err)
		}
		return r
	}
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{name: "the root refers a TLD with glue", check: func(t *testing.T) {
			r := ask(nsscantest.AddrRoot, "good.test.", dns.TypeNS, true, "udp")
			if r.Authoritative || len(r.Ns) != 2 || len(r.Extra) < 2 {
				t.Errorf("%v", r)
			}
		}},
		{name: "a missing name is an authoritative NXDOMAIN with the SOA", check: func(t *testing.T) {
			r := ask(nsscantest.AddrTest1, "missing.test.", dns.TypeNS, true, "udp")
			if !r.Authoritative || r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
				t.Errorf("%v", r)
			}
		}},
		{name: "an empty non-terminal is NODATA", check: func(t *testing.T) {
			r := ask(nsscantest.AddrTest1, "hostco.test.", dns.TypeA, true, "udp")
			if r.Authoritative || len(r.Ns) == 0 {
				t.Errorf("a cut must refer: %v", r)
			}
			r = ask(nsscantest.AddrCoUK, "nic.co.uk.", dns.TypeA, true, "udp")
			if !r.Authoritative || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
				t.Errorf("%v", r)
			}
		}},
		{name: "a big referral is truncated and empty over UDP and whole over TCP", check: func(t *testing.T) {
			r := ask(nsscantest.AddrTest1, "big.test.", dns.TypeNS, true, "udp")
			if !r.Truncated || len(r.Ns)+len(r.Answer)+len(r.Extra) > 1 {
				t.Errorf("udp: %v", r)
			}
			r = ask(nsscantest.AddrTest1, "big.test.", dns.TypeNS, true, "tcp")
			if r.Truncated || len(r.Ns) != nsscantest.BigNameservers {
				t.Errorf("tcp: truncated %v with %d NS", r.Truncated, len(r.Ns))
			}
		}},
		{name: "queries are counted per server and name", check: func(t *testing.T) {
			before := lab.Queries(nsscantest.AddrTest2, "GOOD.test")
			ask(nsscantest.AddrTest2, "good.test.", dns.TypeNS, false, "udp")
			if got := lab.Queries(nsscantest.AddrTest2, "good.test."); got != before+1 {
				t.Errorf("count %d, want %d", got, before+1)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}
