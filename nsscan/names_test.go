package nsscan

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"
)

func TestPlainNamesSkipIDNAWithTheSameResult(t *testing.T) {
	for _, in := range []string{"example.com", "a-b.example", "x1.y2.test", "123.example", "ab--cd.example", "xn--bcher-kva.test", "-a.test", "a-.test"} {
		plain := plainLDH(in)
		ascii, err := idna.Lookup.ToASCII(in)
		if plain && (err != nil || ascii != in) {
			t.Errorf("%q takes the fast path, but IDNA gives %q, %v", in, ascii, err)
		}
	}
	if plainLDH("xn--bcher-kva.test") || plainLDH("Example.com") || !plainLDH("good.test") {
		t.Error("the fast path takes A-labels or upper case, or refuses a plain name")
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		name, in, fqdn, unicode string
		ok                      bool
	}{
		{name: "a plain name is made fully qualified", in: "example.com", fqdn: "example.com.", unicode: "example.com", ok: true},
		{name: "case, spaces and one final dot go", in: " Example.COM. ", fqdn: "example.com.", unicode: "example.com", ok: true},
		{name: "a U-label becomes its A-label", in: "Bücher.example", fqdn: "xn--bcher-kva.example.", unicode: "bücher.example", ok: true},
		{name: "sharp s is kept (non-transitional)", in: "straße.de", fqdn: "xn--strae-oqa.de.", unicode: "straße.de", ok: true},
		{name: "an A-label shows as its U-label", in: "xn--bcher-kva.test", fqdn: "xn--bcher-kva.test.", unicode: "bücher.test", ok: true},
		{name: "an empty string is rejected", in: "  "},
		{name: "two final dots are rejected", in: "example.com.."},
		{name: "an empty label is rejected", in: "a..example"},
		{name: "an underscore is rejected", in: "_dmarc.example.com"},
		{name: "a leading hyphen is rejected", in: "-a.example"},
		{name: "a URL is rejected", in: "http://example.com/"},
		{name: "an IPv4 address is rejected", in: "192.0.2.1"},
		{name: "an IPv6 address is rejected", in: "2001:db8::1"},
		{name: "a numeric top-level label is rejected", in: "example.123"},
		{name: "a single label is rejected", in: "localhost"},
		{name: "a bad punycode label is rejected", in: "xn--zz.test"},
		{name: "a label over 63 octets is rejected", in: "a234567890123456789012345678901234567890123456789012345678901234.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fqdn, unicode, err := normalizeName(tt.in, 2)
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if fqdn != tt.fqdn || unicode != tt.unicode {
				t.Errorf("got %q %q, want %q %q", fqdn, unicode, tt.fqdn, tt.unicode)
			}
		})
	}
}

func TestRegistryChain(t *testing.T) {
	tests := []struct {
		name, domain string
		chain        []string
		isSuffix     bool
	}{
		{name: "a domain in an unknown TLD has the TLD", domain: "good.test.", chain: []string{"test."}},
		{name: "a domain under co.uk has uk and co.uk", domain: "shop.co.uk.", chain: []string{"uk.", "co.uk."}},
		{name: "a subdomain has the same chain as its domain", domain: "www.shop.co.uk.", chain: []string{"uk.", "co.uk."}},
		{name: "a private-section suffix counts as a registry", domain: "x.eu.org.", chain: []string{"org.", "eu.org."}},
		{name: "an exception rule gives the wildcard's parent", domain: "city.kawasaki.jp.", chain: []string{"jp.", "kawasaki.jp."}},
		{name: "a public suffix is itself a suffix", domain: "co.uk.", isSuffix: true},
		{name: "a TLD is a suffix", domain: "com.", isSuffix: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chain, isSuffix := registryChain(tt.domain)
			if !slices.Equal(chain, tt.chain) || isSuffix != tt.isSuffix {
				t.Errorf("got %v %v, want %v %v", chain, isSuffix, tt.chain, tt.isSuffix)
			}
		})
	}
	for in, want := range map[string]string{"co.uk.": "uk.", "uk.": ".", "eu.org.": "org.", "a.b.c.test.": "test."} {
		if got := parentSuffix(in); got != want {
			t.Errorf("parentSuffix(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestExpectation(t *testing.T) {
	tests := []struct {
		name string
		in   Expectation
		want Expectation
		ok   bool
	}{
		{name: "names are normalised, de-duplicated and sorted; zero min means one",
			in:   Expectation{Nameservers: []string{"NS2.Example.NET.", "ns1.example.net", " ns2.example.net "}},
			want: Expectation{Nameservers: []string{"ns1.example.net", "ns2.example.net"}, MinMatches: 1}, ok: true},
		{name: "addresses are kept in canonical form",
			in:   Expectation{Nameservers: []string{"2001:DB8::0:1", "192.0.2.1", "::ffff:192.0.2.1"}, MinMatches: 2},
			want: Expectation{Nameservers: []string{"192.0.2.1", "2001:db8::1"}, MinMatches: 2}, ok: true},
		{name: "U-label host names become A-labels",
			in:   Expectation{Nameservers: []string{"ns1.bücher.example"}},
			want: Expectation{Nameservers: []string{"ns1.xn--bcher-kva.example"}, MinMatches: 1}, ok: true},
		{name: "an empty list is rejected", in: Expectation{}},
		{name: "a negative min is rejected", in: Expectation{Nameservers: []string{"ns1.example.net"}, MinMatches: -1}},
		{name: "a min above the distinct entries is rejected", in: Expectation{Nameservers: []string{"a.example", "A.example."}, MinMatches: 2}},
		{name: "a bad name is rejected", in: Expectation{Nameservers: []string{"ns1 example net"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Normalize()
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidExpectation) {
				t.Errorf("err %v does not wrap ErrInvalidExpectation", err)
			}
			if !slices.Equal(got.Nameservers, tt.want.Nameservers) || got.MinMatches != tt.want.MinMatches {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	x, err := compileExpectation(Expectation{Nameservers: []string{"ns1.hostco.test", "ns2.hostco.test", "192.0.2.53"}, MinMatches: 2})
	if err != nil {
		t.Fatal(err)
	}
	glue := map[string][]netip.Addr{"ns.customer.test.": {netip.MustParseAddr("192.0.2.53")}}
	tests := []struct {
		name                         string
		ns                           []string
		correct                      bool
		matched, missing, unexpected []string
	}{
		{name: "two names match", ns: []string{"ns1.hostco.test.", "ns2.hostco.test."}, correct: true,
			matched: []string{"ns1.hostco.test", "ns2.hostco.test"}, missing: []string{"192.0.2.53"}},
		{name: "a name and a glued address match", ns: []string{"ns.customer.test.", "ns1.hostco.test."}, correct: true,
			matched: []string{"ns.customer.test", "ns1.hostco.test"}, missing: []string{"ns2.hostco.test"}},
		{name: "one match is too few", ns: []string{"ns1.hostco.test.", "ns.other.test."},
			matched: []string{"ns1.hostco.test"}, missing: []string{"192.0.2.53", "ns2.hostco.test"}, unexpected: []string{"ns.other.test"}},
		{name: "no delegation matches nothing", missing: []string{"192.0.2.53", "ns1.hostco.test", "ns2.hostco.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := x.judge(tt.ns, glue)
			if v.correct != tt.correct || !slices.Equal(v.matched, tt.matched) || !slices.Equal(v.missing, tt.missing) ||
				!slices.Equal(v.unexpected, tt.unexpected) {
				t.Errorf("got %+v", v)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	q := func(name string, t uint16) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion(name, t)
		m.Response = true
		return m
	}
	ns := func(owner, target string) dns.RR {
		return &dns.NS{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 300}, Ns: target}
	}
	a := func(owner, addr string) dns.RR {
		rr, _ := dns.NewRR(owner + " 300 IN A " + addr)
		return rr
	}
	soa, _ := dns.NewRR("test. 300 IN SOA ns1.nic.test. h.nic.test. 1 2 3 4 60")
	tests := []struct {
		name  string
		msg   func() *dns.Msg
		asked string // the question sent, when not the answer's own
		kind  replyKind
		why   string
		owner string
		ns    []string
		glue  int
	}{
		{name: "a referral for the name is a delegation with its glue", msg: func() *dns.Msg {
			m := q("Good.Test.", dns.TypeNS)
			m.Ns = []dns.RR{ns("GOOD.test.", "NS1.good.test."), ns("good.test.", "ns.other.example.")}
			m.Extra = []dns.RR{a("ns1.good.test.", "192.0.2.1"), a("ns.other.example.", "192.0.2.2")}
			return m
		}, kind: kReferral, owner: "good.test.", ns: []string{"ns.other.example.", "ns1.good.test."}, glue: 1},
		{name: "a referral to an ancestor of the name is a deeper cut", msg: func() *dns.Msg {
			m := q("www.good.test.", dns.TypeNS)
			m.Ns = []dns.RR{ns("good.test.", "ns1.hostco.test.")}
			return m
		}, kind: kReferral, owner: "good.test.", ns: []string{"ns1.hostco.test."}},
		{name: "an authoritative NS answer is the parent serving the child", msg: func() *dns.Msg {
			m := q("good.test.", dns.TypeNS)
			m.Authoritative = true
			m.Answer = []dns.RR{ns("good.test.", "ns1.hostco.test.")}
			return m
		}, kind: kAuthNS, owner: "good.test.", ns: []string{"ns1.hostco.test."}},
		{name: "a non-authoritative NS answer is not used", msg: func() *dns.Msg {
			m := q("good.test.", dns.TypeNS)
			m.Answer = []dns.RR{ns("good.test.", "ns1.hostco.test.")}
			return m
		}, why: "non-authoritative answer"},
		{name: "authoritative NXDOMAIN", msg: func() *dns.Msg {
			m := q("gone.test.", dns.TypeNS)
			m.Authoritative, m.Rcode, m.Ns = true, dns.RcodeNameError, []dns.RR{soa}
			return m
		}, kind: kNXDomain, owner: "gone.test."},
		{name: "a non-authoritative NXDOMAIN is not trusted", msg: func() *dns.Msg {
			m := q("gone.test.", dns.TypeNS)
			m.Rcode = dns.RcodeNameError
			return m
		}, why: "non-authoritative NXDOMAIN"},
		{name: "authoritative NODATA", msg: func() *dns.Msg {
			m := q("nic.test.", dns.TypeNS)
			m.Authoritative, m.Ns = true, []dns.RR{soa}
			return m
		}, kind: kNoData, owner: "nic.test."},
		{name: "a CNAME is an alias even with the target's referral beside it", msg: func() *dns.Msg {
			m := q("alias.test.", dns.TypeNS)
			m.Authoritative = true
			cn, _ := dns.NewRR("alias.test. 300 IN CNAME good.test.")
			m.Answer = []dns.RR{cn}
			m.Ns = []dns.RR{ns("good.test.", "ns1.hostco.test.")}
			return m
		}, kind: kAlias, owner: "alias.test."},
		{name: "a referral to the asked zone itself is upward", msg: func() *dns.Msg {
			m := q("good.test.", dns.TypeNS)
			m.Ns = []dns.RR{ns("test.", "ns1.nic.test.")}
			return m
		}, why: "referral upward to test"},
		{name: "a referral to an unrelated name is sideways", msg: func() *dns.Msg {
			m := q("good.test.", dns.TypeNS)
			m.Ns = []dns.RR{ns("evil.test.", "ns1.evil.test.")}
			return m
		}, why: "referral sideways to evil.test"},
		{name: "no authority and no referral is lame", msg: func() *dns.Msg { return q("good.test.", dns.TypeNS) },
			why: "not authoritative and no referral (lame)"},
		{name: "an answer for another name is refused", msg: func() *dns.Msg {
			m := q("other.test.", dns.TypeNS)
			m.Authoritative = true
			return m
		}, asked: "good.test.", why: "answered a different question"},
		{name: "SERVFAIL is a reason to move on", msg: func() *dns.Msg {
			m := q("good.test.", dns.TypeNS)
			m.Rcode = dns.RcodeServerFailure
			return m
		}, why: "SERVFAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.msg()
			asked := tt.asked
			if asked == "" {
				asked = canonical(m.Question[0].Name)
			}
			b, err := m.Pack()
			if err != nil {
				t.Fatal(err)
			}
			w, err := parseWire(b, asked)
			if err != nil {
				t.Fatal(err)
			}
			r, why := classify(w, "test.", asked, dns.TypeNS)
			if why != tt.why || r.kind != tt.kind || r.owner != tt.owner || !slices.Equal(r.ns, tt.ns) || len(r.glue) != tt.glue {
				t.Errorf("got kind %d owner %q ns %v glue %v why %q", r.kind, r.owner, r.ns, r.glue, why)
			}
		})
	}
}

func TestServerOrderIsAFunctionOfTheName(t *testing.T) {
	var servers []server
	for _, a := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"} {
		servers = append(servers, server{addr: netip.AddrPortFrom(netip.MustParseAddr(a), 53)})
	}
	starts := map[int]bool{}
	for _, name := range []string{"a.test.", "b.test.", "c.test.", "d.test.", "e.test.", "f.test.", "g.test.", "h.test."} {
		s1, s2 := start(servers, name), start(servers, name)
		if s1 != s2 || s1 < 0 || s1 >= len(servers) {
			t.Fatalf("start of %s is not stable: %d %d", name, s1, s2)
		}
		starts[s1] = true
	}
	if len(starts) < 2 {
		t.Errorf("every name starts at the same server: the load does not spread")
	}
}

func TestNewDefaultsToTheIANARootsWithoutSendingAnything(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(c.roots) != 13 || c.roots[0].addr.String() != "198.41.0.4:53" || c.timeout != DefaultTimeout ||
		c.attempts != DefaultAttempts || c.concurrency != DefaultConcurrency || float64(c.limit) != DefaultRatePerServer {
		t.Errorf("defaults: %+v", c)
	}
	if c.whois != nil || c.rdap != nil {
		t.Error("a zero Config must not enable WHOIS or RDAP")
	}
	if c.Stats().Queries != 0 {
		t.Error("New sent a query")
	}
	c2, err := New(Config{Roots: []string{"127.0.0.10"}, Port: 5300})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if len(c2.roots) != 1 || c2.roots[0].addr.String() != "127.0.0.10:5300" || c2.portFor(0) != 5300 {
		t.Errorf("roots %v, port %d: Port must apply to roots without a port and to every referral", c2.roots, c2.portFor(0))
	}
}
