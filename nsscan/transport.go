package nsscan

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/time/rate"
)

// ednsSize is the EDNS0 buffer advertised (the DNS flag day 2020 value).
const ednsSize = 1232

var (
	// errTimeout marks a query that got no answer in time.
	errTimeout = errors.New("no answer in time")
	// errLimited marks a query that a per-server limiter would have delayed
	// past the context's deadline.
	errLimited = errors.New("per-server rate limit would pass the deadline")
)

// sockPool keeps unconnected UDP sockets for reuse across servers: a
// socket per query costs a system call pair and more than halves throughput.
// A late answer to an earlier query arriving on a reused socket is
// discarded by its ID and source address.
type sockPool struct {
	ch chan *udpSock
}

type udpSock struct {
	conn *net.UDPConn
	in   []byte // read buffer
	out  []byte // pack buffer
}

func (p *sockPool) init(n int) { p.ch = make(chan *udpSock, n+16) }

func (p *sockPool) get() (*udpSock, error) {
	select {
	case s := <-p.ch:
		return s, nil
	default:
	}
	conn, err := net.ListenUDP("udp", nil)
	if err != nil {
		return nil, err
	}
	return &udpSock{conn: conn, in: make([]byte, 4096), out: make([]byte, 0, 512)}, nil
}

func (p *sockPool) put(s *udpSock) {
	select {
	case p.ch <- s:
	default:
		s.conn.Close()
	}
}

// close closes the idle sockets.
func (p *sockPool) close() {
	for {
		select {
		case s := <-p.ch:
			s.conn.Close()
		default:
			return
		}
	}
}

// Close releases the Checker's idle sockets. Checks still running keep
// working and close their sockets when done; a Checker may be used after
// Close, at the cost of new sockets.
func (c *Checker) Close() error {
	c.socks.close()
	return nil
}

// newQuery builds a non-recursive query with EDNS0 and a random ID.
func newQuery(qname string, qtype uint16) *dns.Msg {
	m := &dns.Msg{}
	m.Id = uint16(rand.Uint32())
	m.RecursionDesired = false
	m.Question = []dns.Question{{Name: qname, Qtype: qtype, Qclass: dns.ClassINET}}
	m.SetEdns0(ednsSize, false)
	return m
}

// exchange sends one question to one server over UDP, and once more over
// TCP when the answer is truncated. It returns the answer, the number of
// queries sent and the transport of the answer. Errors are errTimeout,
// errLimited, a context error or a network error.
func (c *Checker) exchange(ctx context.Context, srv server, qname string, qtype uint16) (*dns.Msg, int, string, error) {
	if err := c.wait(ctx, srv.addr); err != nil {
		return nil, 0, "", err
	}
	q := newQuery(qname, qtype)
	resp, err := c.exchangeUDP(ctx, srv.addr, q)
	if err != nil {
		return nil, 1, "udp", err
	}
	if !resp.Truncated {
		return resp, 1, "udp", nil
	}
	// A truncated answer may hold nothing at all (knot sends TC with every
	// section empty), so it is never read as "no nameservers": ask again
	// over TCP, once, the same server.
	if err := c.wait(ctx, srv.addr); err != nil {
		return nil, 1, "udp", err
	}
	c.stats.tcp.Add(1)
	resp, err = c.exchangeTCP(ctx, srv.addr, q)
	return resp, 2, "tcp", err
}

// wait honours the per-server rate limit, failing with errLimited at once
// when the delay would pass ctx's deadline.
func (c *Checker) wait(ctx context.Context, ap netip.AddrPort) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.limit == rate.Inf {
		return nil
	}
	r := c.limiterFor(ap).Reserve()
	d := r.Delay()
	if d == 0 {
		return nil
	}
	c.stats.rateWaits.Add(1)
	if dl, ok := ctx.Deadline(); ok && time.Now().Add(d).After(dl) {
		r.Cancel()
		return errLimited
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

func (c *Checker) exchangeUDP(ctx context.Context, ap netip.AddrPort, q *dns.Msg) (*dns.Msg, error) {
	s, err := c.socks.get()
	if err != nil {
		return nil, fmt.Errorf("udp socket: %w", err)
	}
	reuse := true
	defer func() {
		if reuse {
			c.socks.put(s)
		} else {
			s.conn.Close()
		}
	}()
	wire, err := q.PackBuffer(s.out[:0])
	if err != nil {
		return nil, fmt.Errorf("pack query: %w", err)
	}
	deadline := time.Now().Add(c.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	if err := s.conn.SetDeadline(deadline); err != nil {
		reuse = false
		return nil, err
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { s.conn.SetReadDeadline(time.Unix(1, 0)) })
		defer func() {
			if !stop() {
				// The cancel hook ran or is running: the socket's deadline
				// belongs to us no more, so do not hand it to another query.
				reuse = false
			}
		}()
	}
	c.stats.queries.Add(1)
	if _, err := s.conn.WriteToUDPAddrPort(wire, ap); err != nil {
		reuse = false
		return nil, err
	}
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(s.in)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.stats.timeouts.Add(1)
				return nil, errTimeout
			}
			reuse = false
			return nil, err
		}
		// Not from the server asked, or a late answer to an earlier
		// query on this socket: keep waiting for ours.
		if netip.AddrPortFrom(from.Addr().Unmap(), from.Port()) != ap || n < 12 ||
			binary.BigEndian.Uint16(s.in[:2]) != q.Id || s.in[2]&0x80 == 0 {
			continue
		}
		resp := &dns.Msg{}
		if err := resp.Unpack(s.in[:n]); err != nil {
			return nil, fmt.Errorf("malformed answer: %w", err)
		}
		return resp, nil
	}
}

func (c *Checker) exchangeTCP(ctx context.Context, ap netip.AddrPort, q *dns.Msg) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	d := net.Dialer{}
	nc, err := d.DialContext(ctx, "tcp", ap.String())
	if err != nil {
		if ctx.Err() != nil {
			return nil, c.ctxOrTimeout(ctx)
		}
		return nil, err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c.stats.queries.Add(1)
	cl := dns.Client{Net: "tcp", Timeout: c.timeout}
	resp, _, err := cl.ExchangeWithConnContext(ctx, q, &dns.Conn{Conn: nc})
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, c.ctxOrTimeout(ctx)
		}
		return nil, err
	}
	return resp, nil
}

// ctxOrTimeout returns the caller's context error when there is one, else
// errTimeout (our own per-query timeout fired).
func (c *Checker) ctxOrTimeout(ctx context.Context) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	c.stats.timeouts.Add(1)
	return errTimeout
}
