package nsscan

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// readBatch is the batch size of one receive call (recvmmsg on Linux).
const readBatch = 64

// errClosed is returned to queries in flight when the Checker is closed.
var errClosed = errors.New("checker closed")

// udpTransport sends UDP queries over a few long-lived sockets shared by
// every check and every server. Each socket has one reader goroutine that
// receives answers in batches and hands each to the query waiting for its
// ID from its server's address; anything else (a late answer to a query
// that timed out, a packet from elsewhere) is dropped. Compared with a
// socket per query this saves most system calls and wake-ups, which on a
// busy two-core machine decides the check rate.
type udpTransport struct {
	c      *Checker
	mu     sync.Mutex
	v4, v6 []*udpMux
	next   atomic.Uint32
}

// udpMux is one socket and the queries waiting on it.
type udpMux struct {
	conn    *net.UDPConn
	done    chan struct{}
	mu      sync.Mutex
	pending map[uint16]*waiter
}

type waiter struct {
	addr netip.AddrPort
	ch   chan []byte // buffered: the reader never blocks
}

// exchange sends one query to ap over UDP and returns the parsed answer.
func (t *udpTransport) exchange(ctx context.Context, ap netip.AddrPort, qname string, qtype uint16) (*wireMsg, error) {
	m, err := t.mux(ap.Addr().Is4())
	if err != nil {
		return nil, fmt.Errorf("udp socket: %w", err)
	}
	w := &waiter{addr: ap, ch: make(chan []byte, 1)}
	m.mu.Lock()
	var id uint16
	for {
		id = uint16(rand.Uint32())
		if m.pending[id] == nil {
			break
		}
	}
	m.pending[id] = w
	m.mu.Unlock()
	forget := func() {
		m.mu.Lock()
		if m.pending[id] == w {
			delete(m.pending, id)
		}
		m.mu.Unlock()
	}

	wire, err := appendQuery(make([]byte, 0, 300), id, qname, qtype)
	if err != nil {
		forget()
		return nil, fmt.Errorf("pack query: %w", err)
	}
	t.c.stats.queries.Add(1)
	if _, err := m.conn.WriteToUDPAddrPort(wire, ap); err != nil {
		forget()
		return nil, err
	}
	timer := time.NewTimer(t.c.timeout)
	defer timer.Stop()
	select {
	case b := <-w.ch:
		resp, err := parseWire(b)
		if err != nil {
			return nil, fmt.Errorf("malformed answer: %w", err)
		}
		return resp, nil
	case <-timer.C:
		forget()
		t.c.stats.timeouts.Add(1)
		return nil, errTimeout
	case <-ctx.Done():
		forget()
		return nil, ctx.Err()
	case <-m.done:
		return nil, errClosed
	}
}

// mux returns a socket of the family, opening the set on first use.
func (t *udpTransport) mux(v4 bool) (*udpMux, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	set := &t.v6
	network := "udp6"
	if v4 {
		set, network = &t.v4, "udp4"
	}
	if len(*set) == 0 {
		n := min(max(runtime.GOMAXPROCS(0), 1), 4)
		for range n {
			conn, err := net.ListenUDP(network, nil)
			if err != nil {
				for _, m := range *set {
					m.close()
				}
				*set = nil
				return nil, err
			}
			m := &udpMux{conn: conn, done: make(chan struct{}), pending: map[uint16]*waiter{}}
			go m.read(v4)
			*set = append(*set, m)
		}
	}
	return (*set)[int(t.next.Add(1))%len(*set)], nil
}

// read receives answers until the socket is closed.
func (m *udpMux) read(v4 bool) {
	var batch func([]ipv4.Message, int) (int, error)
	if v4 {
		batch = ipv4.NewPacketConn(m.conn).ReadBatch
	} else {
		batch = ipv6.NewPacketConn(m.conn).ReadBatch
	}
	msgs := make([]ipv4.Message, readBatch)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, 4096)}
	}
	for {
		n, err := batch(msgs, 0)
		if err != nil {
			select {
			case <-m.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		for i := range n {
			b := msgs[i].Buffers[0][:msgs[i].N]
			ua, ok := msgs[i].Addr.(*net.UDPAddr)
			if !ok || len(b) < 12 || b[2]&0x80 == 0 {
				continue
			}
			from := ua.AddrPort()
			from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
			id := binary.BigEndian.Uint16(b)
			m.mu.Lock()
			w := m.pending[id]
			if w != nil && w.addr == from {
				delete(m.pending, id)
			} else {
				w = nil
			}
			m.mu.Unlock()
			if w != nil {
				w.ch <- append([]byte(nil), b...)
			}
		}
	}
}

func (m *udpMux) close() {
	close(m.done)
	m.conn.Close()
}

// close closes every socket; queries in flight fail with errClosed, and a
// later query opens new sockets.
func (t *udpTransport) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range append(t.v4, t.v6...) {
		m.close()
	}
	t.v4, t.v6 = nil, nil
}
