package nsscan

import (
	"context"
	"errors"
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
	resp, err := c.udp.exchange(ctx, srv.addr, qname, qtype)
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
	resp, err = c.exchangeTCP(ctx, srv.addr, newQuery(qname, qtype))
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

// Close closes the Checker's sockets and stops their reader goroutines;
// queries in flight fail. A Checker used after Close opens new sockets.
// Call it when a run is over.
func (c *Checker) Close() error {
	c.udp.close()
	return nil
}
