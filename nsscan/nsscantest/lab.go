// Package nsscantest runs a lab of fake authoritative DNS servers in the
// test's own process, on loopback addresses, for testing code that uses
// package nsscan without sending a packet off the machine.
//
// Each [Server] listens on its own 127.0.0.x address and every server of a
// [Lab] shares one unprivileged port, because delegations carry addresses but
// no ports: a Checker built from [Lab.Config] sends every query to that port.
// Linux routes all of 127.0.0.0/8 to the loopback interface, so no setup is
// needed there. [Start] refuses any zone holding an address that is not a
// loopback address, so a lab can never point a checker outside the machine.
//
// Servers answer like nsd or knot: referrals with glue below a zone cut,
// authoritative answers, NODATA and NXDOMAIN with the SOA, CNAMEs, and, over
// UDP, a truncated message with empty sections when the answer does not fit.
// A [Fault] makes a server misbehave in one of the ways real registries do.
package nsscantest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/miekg/dns"
)

// Fault makes a server misbehave. The names follow the faults of the panel
// fakes (package providertest): FaultNone, then one per misbehaviour.
type Fault string

// The faults a server can show. Each is one row of the fault lists in the
// package nsscan tests.
const (
	// FaultNone: answer correctly.
	FaultNone Fault = ""
	// FaultServFail: answer every query with SERVFAIL.
	FaultServFail Fault = "servfail"
	// FaultRefused: answer every query with REFUSED.
	FaultRefused Fault = "refused"
	// FaultDrop: never answer.
	FaultDrop Fault = "drop"
	// FaultTruncateUDP: answer over UDP with TC set and every section empty
	// (what knot does when a referral does not fit); answer correctly over
	// TCP.
	FaultTruncateUDP Fault = "truncate-udp"
	// FaultWrongQuestion: answer with a question section for another name.
	FaultWrongQuestion Fault = "wrong-question"
	// FaultStaleID: first send a bogus answer with another message ID, as a
	// late answer to an earlier query would arrive, then the right answer.
	FaultStaleID Fault = "stale-id"
	// FaultReferUp: answer every query with a referral to the root.
	FaultReferUp Fault = "refer-up"
	// FaultReferSelf: answer every query with a referral to the zone the
	// server is asked about, which would send a resolver round in a loop.
	FaultReferSelf Fault = "refer-self"
	// FaultReferSideways: answer every query with a referral to a sibling of
	// the zone the server is asked about, which is no ancestor of the name.
	FaultReferSideways Fault = "refer-sideways"
	// FaultLame: answer without authority and without a referral, as a
	// server that does not serve the zone.
	FaultLame Fault = "lame"
	// FaultSpoofID: over UDP, send only a forged answer whose message ID is
	// not the query's, delegating the name to ns.forged.lab; never the
	// right answer.
	FaultSpoofID Fault = "spoof-id"
	// FaultSpoofPort: over UDP, send the answer from another source port of
	// the server's address, as an off-path forger would; never from the
	// port the query went to.
	FaultSpoofPort Fault = "spoof-port"
	// FaultSpoofCase: when the query's name has upper-case letters (DNS
	// 0x20), first send over UDP a forged answer with the right ID and port
	// but the name in lower case, delegating it to ns.forged.lab, then the
	// right answer.
	FaultSpoofCase Fault = "spoof-case"
	// FaultLowerCase: answer correctly, but with the question's name in
	// lower case, as servers that do not preserve the case of a query do.
	FaultLowerCase Fault = "lower-case"
)

// String returns the fault's name, "none" for FaultNone.
func (f Fault) String() string {
	if f == FaultNone {
		return "none"
	}
	return string(f)
}

// Server is one authoritative server of a lab.
type Server struct {
	// Addr is the IPv4 loopback address to listen on, such as "127.0.0.11".
	Addr string
	// Zones are master files (RFC 1035 format) the server is authoritative
	// for. Each needs an $ORIGIN line or absolute names, and an SOA record
	// at its apex.
	Zones []string
	// Fault makes the server misbehave from the start; see Lab.SetFault.
	Fault Fault
	// Delay holds every answer back this long.
	Delay time.Duration
}

// Lab is a set of running servers sharing one port.
type Lab struct {
	port    int
	servers []*labServer
}

type labServer struct {
	addr     string
	zones    []*zone
	fault    atomic.Value // Fault
	delay    time.Duration
	udp      *dns.Server
	tcp      *dns.Server
	mu       sync.Mutex
	counts   map[string]int // qname -> queries
	received []Request
	total    atomic.Int64
}

// Request is one query a lab server received.
type Request struct {
	// Name is the question's name as sent, its case kept.
	Name string
	// Type is the question's type, such as dns.TypeNS.
	Type uint16
	// ID is the message ID.
	ID uint16
	// From is the address and port the query came from.
	From netip.AddrPort
	// TCP is true for a query over TCP, false for UDP.
	TCP bool
}

// Start parses the servers' zones, binds every server's UDP and TCP socket
// on one free port, and starts them. Close stops them.
func Start(servers ...Server) (*Lab, error) {
	if len(servers) == 0 {
		return nil, errors.New("nsscantest: start: no servers")
	}
	l := &Lab{}
	for _, s := range servers {
		a, err := netip.ParseAddr(s.Addr)
		if err != nil || !a.Is4() || !a.IsLoopback() {
			return nil, fmt.Errorf("nsscantest: start: server address %q is not an IPv4 loopback address", s.Addr)
		}
		ls := &labServer{addr: s.Addr, delay: s.Delay, counts: map[string]int{}}
		ls.fault.Store(s.Fault)
		for i, text := range s.Zones {
			z, err := parseZone(text)
			if err != nil {
				return nil, fmt.Errorf("nsscantest: start: server %s zone %d: %w", s.Addr, i, err)
			}
			ls.zones = append(ls.zones, z)
		}
		l.servers = append(l.servers, ls)
	}
	var lastErr error
	for try := 0; try < 50; try++ {
		conns, port, err := bindAll(servers)
		if err != nil {
			lastErr = err
			continue
		}
		l.port = port
		for i, ls := range l.servers {
			if err := ls.start(conns[2*i].(net.PacketConn), conns[2*i+1].(net.Listener)); err != nil {
				l.Close()
				return nil, fmt.Errorf("nsscantest: start: server %s: %w", ls.addr, err)
			}
		}
		return l, nil
	}
	return nil, fmt.Errorf("nsscantest: start: no port free on every address: %w", lastErr)
}

// bindAll binds UDP and TCP on one port for every server; the returned
// slice alternates packet conns and listeners.
func bindAll(servers []Server) ([]any, int, error) {
	var conns []any
	closeAll := func() {
		for _, c := range conns {
			switch v := c.(type) {
			case net.PacketConn:
				v.Close()
			case net.Listener:
				v.Close()
			}
		}
	}
	first, err := net.ListenPacket("udp4", servers[0].Addr+":0")
	if err != nil {
		return nil, 0, err
	}
	port := first.LocalAddr().(*net.UDPAddr).Port
	for i, s := range servers {
		addr := net.JoinHostPort(s.Addr, strconv.Itoa(port))
		var pc net.PacketConn = first
		if i > 0 {
			if pc, err = net.ListenPacket("udp4", addr); err != nil {
				first.Close()
				closeAll()
				return nil, 0, err
			}
		}
		conns = append(conns, pc)
		ln, err := net.Listen("tcp4", addr)
		if err != nil {
			closeAll()
			return nil, 0, err
		}
		conns = append(conns, ln)
	}
	return conns, port, nil
}

func (s *labServer) start(pc net.PacketConn, ln net.Listener) error {
	h := dns.HandlerFunc(s.serve)
	s.udp = &dns.Server{PacketConn: pc, Handler: h}
	s.tcp = &dns.Server{Listener: ln, Handler: h}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		errc := make(chan error, 1)
		go func() { errc <- srv.ActivateAndServe() }()
		select {
		case <-started:
		case err := <-errc:
			return err
		}
	}
	return nil
}

// Close stops every server.
func (l *Lab) Close() {
	for _, s := range l.servers {
		for _, srv := range []*dns.Server{s.udp, s.tcp} {
			if srv != nil {
				srv.Shutdown()
			}
		}
	}
}

// Port is the port every server listens on.
func (l *Lab) Port() int { return l.port }

// Roots returns "address:port" of every server serving the root zone.
func (l *Lab) Roots() []string {
	var out []string
	for _, s := range l.servers {
		for _, z := range s.zones {
			if z.apex == "." {
				out = append(out, net.JoinHostPort(s.addr, strconv.Itoa(l.port)))
			}
		}
	}
	return out
}

// LabTimeout is the query timeout of [Lab.Config]: so long that a server of
// a lab that answers at all, however loaded the machine, is never taken for
// a silent one. A test of silent servers sets a shorter Timeout.
const LabTimeout = 10 * time.Second

// Config returns an nsscan.Config that walks this lab only: its roots, its
// port, LabTimeout, no rate limit and no WHOIS or RDAP fallback.
func (l *Lab) Config() nsscan.Config {
	return nsscan.Config{
		Roots:         l.Roots(),
		Port:          l.port,
		Timeout:       LabTimeout,
		RatePerServer: -1,
	}
}

func (l *Lab) server(addr string) *labServer {
	for _, s := range l.servers {
		if s.addr == addr {
			return s
		}
	}
	panic("nsscantest: no server at " + addr)
}

// SetFault changes the fault of the server at addr; it panics when the lab
// has no such server.
func (l *Lab) SetFault(addr string, f Fault) { l.server(addr).fault.Store(f) }

// Queries returns how many queries the server at addr received, over UDP
// and TCP; with a name, only the queries for that name (any case, with or
// without the final dot).
func (l *Lab) Queries(addr string, name ...string) int {
	s := l.server(addr)
	if len(name) == 0 {
		return int(s.total.Load())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[dns.CanonicalName(name[0])]
}

// Requests returns every query the server at addr received, in order of
// arrival.
func (l *Lab) Requests(addr string) []Request {
	s := l.server(addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.received)
}

// serve answers one query, applying the server's fault.
func (s *labServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	s.total.Add(1)
	from, _ := netip.ParseAddrPort(w.RemoteAddr().String())
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	if len(req.Question) == 1 {
		s.mu.Lock()
		s.counts[dns.CanonicalName(req.Question[0].Name)]++
		s.received = append(s.received, Request{Name: req.Question[0].Name, Type: req.Question[0].Qtype, ID: req.Id,
			From: netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), TCP: tcp})
		s.mu.Unlock()
	}
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	fault := s.fault.Load().(Fault)
	m := new(dns.Msg)
	m.SetReply(req)
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	switch fault {
	case FaultDrop:
		return
	case FaultServFail:
		m.Rcode = dns.RcodeServerFailure
	case FaultRefused:
		m.Rcode = dns.RcodeRefused
	case FaultLame:
	case FaultReferUp:
		m.Ns = []dns.RR{&dns.NS{Hdr: hdr(".", dns.TypeNS), Ns: "a.root-servers.lab."}}
	case FaultReferSelf:
		if z := s.zoneFor(dns.CanonicalName(q.Name)); z != nil {
			m.Ns = slices.Clone(z.rrs[z.apex][dns.TypeNS])
		}
	case FaultReferSideways:
		if z := s.zoneFor(dns.CanonicalName(q.Name)); z != nil {
			parent := "."
			if z.apex != "." {
				_, parent, _ = strings.Cut(z.apex, ".")
				parent = dns.Fqdn(parent)
			}
			m.Ns = []dns.RR{&dns.NS{Hdr: hdr("sideways."+strings.TrimPrefix(parent, "."), dns.TypeNS), Ns: "ns1.other.test."}}
		}
	default:
		m = s.answer(req)
	}
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), false)
	}
	if !tcp {
		limit := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil && int(opt.UDPSize()) > limit {
			limit = int(opt.UDPSize())
		}
		if fault == FaultTruncateUDP || m.Len() > limit {
			m.Truncated = true
			m.Answer, m.Ns, m.Extra = nil, nil, nil
		}
	}
	switch fault {
	case FaultWrongQuestion:
		m.Question = []dns.Question{{Name: "wrong-" + strings.TrimPrefix(q.Name, "."), Qtype: q.Qtype, Qclass: q.Qclass}}
	case FaultStaleID:
		if !tcp {
			stale := forged(m, q.Name, "ns.stale-answer.lab.")
			stale.Id++
			w.WriteMsg(stale)
		}
	case FaultSpoofID:
		if !tcp {
			spoof := forged(m, q.Name, "ns.forged.lab.")
			spoof.Id++
			w.WriteMsg(spoof)
			return
		}
	case FaultSpoofPort:
		if !tcp {
			s.writeFromOtherPort(w, m)
			return
		}
	case FaultSpoofCase:
		if lower := strings.ToLower(q.Name); !tcp && lower != q.Name {
			w.WriteMsg(forged(m, lower, "ns.forged.lab."))
		}
	case FaultLowerCase:
		m.Question[0].Name = strings.ToLower(q.Name)
	}
	w.WriteMsg(m)
}

// forged is an authoritative answer to m's question, with the question's
// name set to name, delegating it to ns: what a forger would send.
func forged(m *dns.Msg, name, ns string) *dns.Msg {
	f := m.Copy()
	f.Question[0].Name = name
	f.Authoritative = true
	f.Rcode = dns.RcodeSuccess
	f.Ns, f.Extra = nil, nil
	f.Answer = []dns.RR{&dns.NS{Hdr: hdr(name, dns.TypeNS), Ns: ns}}
	return f
}

// writeFromOtherPort sends m to the querier from a new socket on the
// server's address, so that it arrives from another source port.
func (s *labServer) writeFromOtherPort(w dns.ResponseWriter, m *dns.Msg) {
	b, err := m.Pack()
	if err != nil {
		return
	}
	pc, err := net.ListenPacket("udp4", s.addr+":0")
	if err != nil {
		return
	}
	defer pc.Close()
	pc.WriteTo(b, w.RemoteAddr())
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: 3600}
}
