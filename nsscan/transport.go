package nsscan

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/time/rate"
)

// ednsSize is the EDNS0 buffer advertised (the DNS flag day 2020 value).
const ednsSize = 1232

var (
	// errTimeout marks a query that got no answer in time.
	errTimeout = errors.New("no answer in time")
)

// exchange sends one question to one server over UDP, and once more over
// TCP when the answer is truncated. It returns the answer, the number of
// queries sent and the transport of the answer. Errors are errTimeout,
// errLimited, a context error or a network error.
func (c *Checker) exchange(ctx context.Context, srv server, qname string, qtype uint16) (*wireMsg, int, string, error) {
	if err := c.wait(ctx, srv.addr); err != nil {
		return nil, 0, "", err
	}
	resp, err := c.udp.exchange(ctx, srv.addr, qname, qtype)
	sent := 1
	if errors.Is(err, errCaseMismatch) {
		// The answer does not echo the random case of the question: the
		// server does not preserve case (a forger would have had to guess
		// the ID and port already). Ask this server in lower case from now
		// on, and ask again now; the mismatched answer is never used.
		c.log.LogAttrs(ctx, slog.LevelDebug, "nsscan: server does not echo the question's case", slog.String("server", srv.String()))
		c.udp.caseBlind(srv.addr)
		if err = c.wait(ctx, srv.addr); err != nil {
			return nil, sent, "udp", err
		}
		resp, err = c.udp.exchange(ctx, srv.addr, qname, qtype)
		sent++
	}
	if err != nil {
		return nil, sent, "udp", err
	}
	if !resp.truncated {
		return resp, sent, "udp", nil
	}
	// A truncated answer may hold nothing at all (knot sends TC with every
	// section empty), so it is never read as "no nameservers": ask again
	// over TCP, once, the same server.
	if err := c.wait(ctx, srv.addr); err != nil {
		return nil, sent, "udp", err
	}
	c.stats.tcp.Add(1)
	resp, err = c.exchangeTCP(ctx, srv.addr, qname, qtype)
	return resp, sent + 1, "tcp", err
}

// wait honours the per-server rate limit (see pace).
func (c *Checker) wait(ctx context.Context, ap netip.AddrPort) error {
	var l *rate.Limiter
	if c.limit != rate.Inf {
		l = c.limiterFor(ap)
	}
	waited, err := pace(ctx, l)
	if waited {
		c.stats.rateWaits.Add(1)
	}
	return err
}

// exchangeTCP sends one query over a new TCP connection (RFC 7766 framing:
// a two-octet length before each message).
func (c *Checker) exchangeTCP(ctx context.Context, ap netip.AddrPort, qname string, qtype uint16) (*wireMsg, error) {
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
	id := uint16(rand.Uint32())
	wire, err := appendQuery(make([]byte, 2, 300), id, qname, qtype)
	if err != nil {
		return nil, fmt.Errorf("pack query: %w", err)
	}
	binary.BigEndian.PutUint16(wire, uint16(len(wire)-2))
	c.stats.queries.Add(1)
	var b []byte
	if _, err = nc.Write(wire); err == nil {
		var n [2]byte
		if _, err = io.ReadFull(nc, n[:]); err == nil {
			b = make([]byte, binary.BigEndian.Uint16(n[:]))
			_, err = io.ReadFull(nc, b)
		}
	}
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, c.ctxOrTimeout(ctx)
		}
		return nil, err
	}
	resp, err := parseWire(b, qname)
	if err != nil {
		return nil, fmt.Errorf("malformed answer: %w", err)
	}
	if resp.id != id || !resp.response {
		return nil, errors.New("answer with another ID")
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
