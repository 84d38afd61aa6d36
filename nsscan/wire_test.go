package nsscan

import (
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// wireSeeds are messages the parser must read as miekg/dns does.
func wireSeeds(t testing.TB) [][]byte {
	var out [][]byte
	add := func(m *dns.Msg) {
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	m := new(dns.Msg)
	m.SetQuestion("Good.TEST.", dns.TypeNS)
	m.Response, m.Compress = true, true
	m.Ns = []dns.RR{rr("good.test. 3600 IN NS NS1.HostCo.test."), rr("good.test. 3600 IN NS ns2.hostco.test.")}
	m.Extra = []dns.RR{rr("ns1.hostco.test. 300 IN A 192.0.2.1"), rr("ns1.hostco.test. 300 IN AAAA 2001:db8::1")}
	m.SetEdns0(1232, false)
	add(m)

	m = new(dns.Msg)
	m.SetQuestion("alias.test.", dns.TypeNS)
	m.Response, m.Authoritative, m.Rcode = true, true, dns.RcodeSuccess
	m.Answer = []dns.RR{rr("alias.test. 60 IN CNAME good.test.")}
	m.Ns = []dns.RR{rr("test. 60 IN SOA ns1.nic.test. h.nic.test. 1 2 3 4 300")}
	add(m)

	m = new(dns.Msg)
	m.SetQuestion("odd.test.", dns.TypeNS)
	m.Response, m.Rcode = true, dns.RcodeNameError
	m.Ns = []dns.RR{rr(`w\.eird\032name.test. 60 IN NS ns\\1.x.test.`), rr("odd.test. 60 IN TXT \"not read\"")}
	add(m)
	return out
}

func FuzzParseWire(f *testing.F) {
	for _, b := range wireSeeds(f) {
		f.Add(b)
	}
	f.Add([]byte{0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 2, 0, 1}) // a pointer to itself
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseWire(b, "good.test.")
		var want dns.Msg
		if want.Unpack(b) != nil || err != nil || want.Truncated {
			return // no panic is all that is asked of bad input
		}
		if got.id != want.Id || got.authoritative != want.Authoritative || got.rcode != want.Rcode&0xf ||
			len(got.question) != len(want.Question) {
			t.Fatalf("header %+v, miekg %+v", got, want.MsgHdr)
		}
		for i, q := range want.Question {
			if got.question[i].name != strings.ToLower(q.Name) || got.question[i].qtype != q.Qtype {
				t.Errorf("question %q %d, miekg %q %d", got.question[i].name, got.question[i].qtype, q.Name, q.Qtype)
			}
		}
		for s, pair := range [][2]any{{got.answer, want.Answer}, {got.ns, want.Ns}} {
			var gotNS, wantNS []string
			for _, rr := range pair[0].([]wireRR) {
				if rr.rtype == dns.TypeNS {
					gotNS = append(gotNS, rr.name+" "+rr.target)
				}
			}
			for _, rr := range pair[1].([]dns.RR) {
				if ns, ok := rr.(*dns.NS); ok && ns.Hdr.Class == dns.ClassINET {
					wantNS = append(wantNS, strings.ToLower(ns.Hdr.Name)+" "+strings.ToLower(ns.Ns))
				}
			}
			if !slices.Equal(gotNS, wantNS) {
				t.Errorf("section %d NS %v, miekg %v", s, gotNS, wantNS)
			}
		}
	})
}

func TestAppendQueryIsWhatMiekgReads(t *testing.T) {
	b, err := appendQuery(nil, 0xbeef, "xn--bcher-kva.test.", dns.TypeNS)
	if err != nil {
		t.Fatal(err)
	}
	var m dns.Msg
	if err := m.Unpack(b); err != nil {
		t.Fatal(err)
	}
	opt := m.IsEdns0()
	if m.Id != 0xbeef || m.RecursionDesired || m.Response || len(m.Question) != 1 ||
		m.Question[0] != (dns.Question{Name: "xn--bcher-kva.test.", Qtype: dns.TypeNS, Qclass: dns.ClassINET}) ||
		opt == nil || opt.UDPSize() != ednsSize || opt.Do() {
		t.Errorf("query %v", &m)
	}
}
