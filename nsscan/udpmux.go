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

const (
	// readBatch is the batch size of one receive call (recvmmsg on Linux).
	readBatch = 64
	// maxConnected caps the servers that get a connected socket of their
	// own; queries to any further server share a few unconnected sockets.
	maxConnected = 256
)

// errClosed is returned to queries in flight when the Checker is closed.
var errClosed = errors.New("checker closed")

// udpTransport sends UDP queries over long-lived sockets shared by every
// check: one connected socket per server (up to maxConnected), so the
// kernel routes each send without a lookup and drops packets from anyone
// else, plus a few unconnected sockets for the rest. Each socket has one
// reader goroutine that receives answers in batches and hands each to the
// query waiting for its ID from its server's address; anything else (a late
// answer to a query that timed out, a stray packet) is dropped. Compared
// with a socket per query this saves most system calls and wake-ups, which
// on a busy two-core machine decides the check rate.
type udpTransport struct {
	c       *Checker
	mu      sync.Mutex
	servers map[netip.AddrPort]*udpMux
	v4, v6  []*udpMux
	next    atomic.Uint32
	waiters sync.Pool
	bufs    sync.Pool
	stop    chan struct{} // ends the sweeper
}

// udpMux is one socket and the queries waiting on it.
type udpMux struct {
	t         *udpTransport
	conn      *net.UDPConn
	connected bool
	done      chan struct{}
	mu        sync.Mutex
	pending   map[uint16]*waiter

	// Sends on a connected socket are combined: a query appends its packet
	// to the queue, and whoever finds no flush running becomes the flusher
	// and writes the queue, and what arrives meanwhile, in batches
	// (sendmmsg on Linux). Under load this costs a fraction of a system
	// call per packet; alone, a query flushes itself at once.
	sendMu            sync.Mutex
	flushing          bool
	arena, spareArena []byte
	lens, spareLens   []int
	msgs              []ipv4.Message // the flusher's alone
	writeBatch        func([]ipv4.Message, int) (int, error)
}

// waiter is one query waiting for its answer. Waiters are pooled. The
// reader delivers the answer on ch; the sweeper delivers nil when the
// deadline passes, and close delivers closedSignal.
type waiter struct {
	addr     netip.AddrPort
	deadline time.Time
	ch       chan []byte // buffered: senders never block
	wire     []byte
}

// closedSignal tells a waiter its socket was closed.
var closedSignal = []byte{}

// exchange sends one query to ap over UDP and returns the parsed answer.
func (t *udpTransport) exchange(ctx context.Context, ap netip.AddrPort, qname string, qtype uint16) (*wireMsg, error) {
	m, err := t.mux(ap)
	if err != nil {
		return nil, fmt.Errorf("udp socket: %w", err)
	}
	w, _ := t.waiters.Get().(*waiter)
	if w == nil {
		w = &waiter{ch: make(chan []byte, 1), wire: make([]byte, 0, 300)}
	}
	w.addr = ap
	w.deadline = time.Now().Add(t.c.timeout)
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

	w.wire, err = appendQuery(w.wire[:0], id, qname, qtype)
	if err == nil {
		t.c.stats.queries.Add(1)
		if m.connected {
			m.send(w.wire)
		} else {
			_, err = m.conn.WriteToUDPAddrPort(w.wire, ap)
		}
	}
	var b []byte
	if err == nil {
		select {
		case b = <-w.ch:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		// Withdraw the query; if someone delivered to it meanwhile, drain
		// that so the waiter can be reused.
		m.mu.Lock()
		mine := m.pending[id] == w
		if mine {
			delete(m.pending, id)
		}
		m.mu.Unlock()
		if !mine {
			if d := <-w.ch; len(d) > 0 {
				t.putBuf(d)
			}
		}
		t.waiters.Put(w)
		return nil, err
	}
	t.waiters.Put(w)
	switch {
	case b == nil:
		t.c.stats.timeouts.Add(1)
		return nil, errTimeout
	case len(b) == 0:
		return nil, errClosed
	}
	resp, err := parseWire(b, qname)
	t.putBuf(b)
	if err != nil {
		return nil, fmt.Errorf("malformed answer: %w", err)
	}
	return resp, nil
}

// getBuf and putBuf recycle receive buffers between the readers and the
// queries they hand answers to.
func (t *udpTransport) getBuf() []byte {
	if b, ok := t.bufs.Get().(*[]byte); ok {
		return (*b)[:cap(*b)]
	}
	return make([]byte, 4096)
}

func (t *udpTransport) putBuf(b []byte) {
	b = b[:cap(b)]
	t.bufs.Put(&b)
}

// sweep delivers nil to every waiter whose deadline has passed, every
// tick, until the transport is closed. One sweeper replaces a timer per
// query.
func (t *udpTransport) sweep(tick time.Duration, stop <-chan struct{}) {
	tk := time.NewTicker(tick)
	defer tk.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tk.C:
			t.mu.Lock()
			muxes := make([]*udpMux, 0, len(t.servers)+len(t.v4)+len(t.v6))
			for _, m := range t.servers {
				muxes = append(muxes, m)
			}
			muxes = append(append(muxes, t.v4...), t.v6...)
			t.mu.Unlock()
			for _, m := range muxes {
				m.mu.Lock()
				for id, w := range m.pending {
					if now.After(w.deadline) {
						delete(m.pending, id)
						w.ch <- nil
					}
				}
				m.mu.Unlock()
			}
		}
	}
}

// mux returns the socket for ap: its own connected one, or a shared one.
func (t *udpTransport) mux(ap netip.AddrPort) (*udpMux, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m := t.servers[ap]; m != nil {
		return m, nil
	}
	if t.stop == nil {
		t.stop = make(chan struct{})
		go t.sweep(min(max(t.c.timeout/10, 5*time.Millisecond), 100*time.Millisecond), t.stop)
	}
	v4 := ap.Addr().Is4()
	network := "udp6"
	if v4 {
		network = "udp4"
	}
	if len(t.servers) < maxConnected {
		conn, err := net.DialUDP(network, nil, net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return nil, err
		}
		m := newMux(t, conn, true, v4)
		if t.servers == nil {
			t.servers = map[netip.AddrPort]*udpMux{}
		}
		t.servers[ap] = m
		return m, nil
	}
	set := &t.v6
	if v4 {
		set = &t.v4
	}
	if len(*set) == 0 {
		for range min(max(runtime.GOMAXPROCS(0), 1), 4) {
			conn, err := net.ListenUDP(network, nil)
			if err != nil {
				return nil, err
			}
			*set = append(*set, newMux(t, conn, false, v4))
		}
	}
	return (*set)[int(t.next.Add(1))%len(*set)], nil
}

func newMux(t *udpTransport, conn *net.UDPConn, connected, v4 bool) *udpMux {
	m := &udpMux{t: t, conn: conn, connected: connected, done: make(chan struct{}), pending: map[uint16]*waiter{}}
	if connected {
		if v4 {
			m.writeBatch = ipv4.NewPacketConn(conn).WriteBatch
		} else {
			m.writeBatch = ipv6.NewPacketConn(conn).WriteBatch
		}
		m.msgs = make([]ipv4.Message, readBatch)
		for i := range m.msgs {
			m.msgs[i].Buffers = make([][]byte, 1)
		}
	}
	go m.read(v4)
	return m
}

// send queues a packet on a connected socket and, unless another query is
// already flushing the queue, flushes it. A packet the kernel refuses (an
// earlier ICMP error on the socket) is dropped, and its query times out.
func (m *udpMux) send(pkt []byte) {
	m.sendMu.Lock()
	m.arena = append(m.arena, pkt...)
	m.lens = append(m.lens, len(pkt))
	if m.flushing {
		m.sendMu.Unlock()
		return
	}
	m.flushing = true
	m.sendMu.Unlock()
	// Let the other runnable queries (typically woken together by one
	// batch of answers) queue their packets first, so that one system call
	// carries them all.
	runtime.Gosched()
	m.sendMu.Lock()
	for len(m.lens) > 0 {
		arena, lens := m.arena, m.lens
		m.arena, m.lens = m.spareArena[:0], m.spareLens[:0]
		m.sendMu.Unlock()
		m.writeAll(arena, lens)
		m.sendMu.Lock()
		m.spareArena, m.spareLens = arena[:0], lens[:0]
	}
	m.flushing = false
	m.sendMu.Unlock()
}

func (m *udpMux) writeAll(arena []byte, lens []int) {
	off := 0
	for i := 0; i < len(lens); {
		k := 0
		for ; k < len(m.msgs) && i+k < len(lens); k++ {
			m.msgs[k].Buffers[0] = arena[off : off+lens[i+k]]
			off += lens[i+k]
		}
		for sent := 0; sent < k; {
			n, err := m.writeBatch(m.msgs[sent:k], 0)
			if err != nil && n <= 0 {
				n = 1
			}
			sent += n
		}
		i += k
	}
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
		msgs[i].Buffers = [][]byte{m.t.getBuf()}
	}
	var remote netip.AddrPort
	if m.connected {
		remote = m.conn.RemoteAddr().(*net.UDPAddr).AddrPort()
		remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
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
			// An ICMP error on a connected socket (port unreachable)
			// surfaces here; the query it belongs to times out.
			continue
		}
		for i := range n {
			b := msgs[i].Buffers[0][:msgs[i].N]
			if len(b) < 12 || b[2]&0x80 == 0 {
				continue
			}
			from := remote
			if !m.connected {
				ua, ok := msgs[i].Addr.(*net.UDPAddr)
				if !ok {
					continue
				}
				from = ua.AddrPort()
				from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
			}
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
				// Hand the buffer over and take a fresh one.
				w.ch <- b
				msgs[i].Buffers[0] = m.t.getBuf()
			}
		}
	}
}

func (m *udpMux) close() {
	close(m.done)
	m.conn.Close()
	m.mu.Lock()
	for id, w := range m.pending {
		delete(m.pending, id)
		w.ch <- closedSignal
	}
	m.mu.Unlock()
}

// close closes every socket; queries in flight fail with errClosed, and a
// later query opens new sockets.
func (t *udpTransport) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.servers {
		m.close()
	}
	for _, m := range append(t.v4, t.v6...) {
		m.close()
	}
	t.servers, t.v4, t.v6 = nil, nil, nil
	if t.stop != nil {
		close(t.stop)
		t.stop = nil
	}
}
