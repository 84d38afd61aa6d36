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
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// How queries leave: from a small pool of sockets per server, each bound by
// the kernel to a random ephemeral port, picked at random for each query and
// replaced after a while. A forged answer must then match the server's
// address, one of the pool's ports (unknown off the path, and never the
// same for long), the message ID, and, where the server echoes it, the
// random case of the question's letters (mixCase). Verdicts can lead to
// terminations, so this margin matters more than the last percent of speed.
const (
	// portsPerServer is the size of one server's pool: how many source
	// ports its queries spread over at any time.
	portsPerServer = 2
	// readBatch is the batch size of one receive call (recvmmsg on Linux),
	// each message with a buffer of its own.
	readBatch = 32
	// writeBatch is the batch size of one send call (sendmmsg on Linux).
	writeBatch = 64
	// idleClose is how long a server's pool stays open without a query.
	idleClose = time.Minute
)

// Tunables that tests lower; constants otherwise.
var (
	// rotateQueries and rotateAge bound how many queries one socket sends
	// and how long it lives before the pool replaces it with a socket on a
	// new port.
	rotateQueries = 1024
	rotateAge     = 5 * time.Second
	// maxPooledSockets caps the sockets held by pools. A server that
	// finds no room gets a new socket per query, which is slower but just
	// as hard to forge.
	maxPooledSockets = 512
)

var (
	// errClosed is returned to queries in flight when the Checker is
	// closed.
	errClosed = errors.New("checker closed")
	// errCaseMismatch marks an answer whose question differs from the
	// query's in the case of its letters only: the server does not echo
	// case, or someone forged the answer without seeing the query.
	errCaseMismatch = errors.New("answer does not echo the question's case")
)

// udpTransport sends UDP queries for every check of a Checker. Each server
// gets a pool of connected sockets, so that the kernel routes each send
// without a lookup and drops packets from any other address or port. Each
// socket has one reader goroutine that receives answers in batches and
// hands each to the query waiting for its ID; anything else (a late answer
// to a query that timed out, a stray packet) is dropped. Compared with a
// socket per query this saves most system calls and wake-ups, which on a
// busy two-core machine decides the check rate.
type udpTransport struct {
	c        *Checker
	mu       sync.Mutex
	pools    map[netip.AddrPort]*udpPool
	retired  []*udpMux // replaced sockets still waiting for answers
	sockets  atomic.Int32
	caseless sync.Map // netip.AddrPort -> struct{}: servers that do not echo case (pools keep a copy)
	waiters  sync.Pool
	bufs     sync.Pool
	stop     chan struct{} // ends the sweeper
	// clock is the time (UnixNano) as of the sweeper's last tick: close
	// enough for socket ages and idleness, and cheaper than asking.
	clock atomic.Int64
}

// udpPool is one server's sockets.
type udpPool struct {
	t        *udpTransport
	addr     netip.AddrPort
	v4       bool
	lastUse  atomic.Int64 // clock of the last query
	closed   atomic.Bool
	caseless atomic.Bool // the server does not echo case
	mu       sync.Mutex  // serialises replacing a socket and closing
	slots    [portsPerServer]atomic.Pointer[udpMux]
}

// udpMux is one connected socket and the queries waiting on it.
type udpMux struct {
	t         *udpTransport
	conn      *net.UDPConn
	done      chan struct{}
	closeOnce sync.Once
	born      int64 // clock when opened
	sent      int   // queries registered, under mu

	mu      sync.Mutex
	closed  bool
	pending map[uint16]*waiter

	// Sends are combined: a query appends its packet to the queue, and
	// whoever finds no flush running becomes the flusher and writes the
	// queue, and what arrives meanwhile, in batches (sendmmsg on Linux).
	// Under load this costs a fraction of a system call per packet; alone,
	// a query flushes itself at once.
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
	deadline time.Time
	ch       chan []byte // buffered: senders never block
	wire     []byte
}

// closedSignal tells a waiter its socket was closed.
var closedSignal = []byte{}

// exchange sends one query to ap over UDP and returns the parsed answer. The
// question's letters are in random case unless ap is known not to echo it;
// an answer whose case differs is not used (errCaseMismatch).
func (t *udpTransport) exchange(ctx context.Context, ap netip.AddrPort, qname string, qtype uint16) (*wireMsg, error) {
	w, _ := t.waiters.Get().(*waiter)
	if w == nil {
		w = &waiter{ch: make(chan []byte, 1), wire: make([]byte, 0, 300)}
	}
	defer t.waiters.Put(w)
	w.deadline = time.Now().Add(t.c.timeout)
	// The ID is written once the pool has chosen it.
	var err error
	w.wire, err = appendQuery(w.wire[:0], 0, qname, qtype)
	if err != nil {
		return nil, fmt.Errorf("pack query: %w", err)
	}
	nameLen := len(w.wire) - 12 - 4 - 11 // header, type and class, OPT

	var b []byte
	var m *udpMux
	var id uint16
	mixed := false
	for range 3 {
		// A pool found closed by its sweeper is replaced on the next try.
		p := t.pool(ap)
		if p == nil {
			break
		}
		if !mixed && !p.caseless.Load() {
			mixCase(w.wire, 12)
			mixed = true
		}
		if m, id = p.register(w); m != nil {
			break
		}
	}
	if m == nil {
		if _, no := t.caseless.Load(ap); !mixed && !no {
			mixCase(w.wire, 12)
			mixed = true
		}
		// No room in the pools, or no socket could be opened there.
		b, err = t.exchangeOnce(ctx, ap, w.wire)
	} else {
		t.c.stats.queries.Add(1)
		m.send(w.wire)
		select {
		case b = <-w.ch:
		case <-ctx.Done():
			err = ctx.Err()
			// Withdraw the query; if someone delivered to it meanwhile,
			// drain that so the waiter can be reused.
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
		}
	}
	switch {
	case err != nil:
		return nil, err
	case b == nil:
		t.c.stats.timeouts.Add(1)
		return nil, errTimeout
	case len(b) == 0:
		return nil, errClosed
	}
	defer t.putBuf(b)
	if caseOK, same := echo(b, w.wire, nameLen); mixed && !caseOK && same {
		return nil, errCaseMismatch
	}
	resp, err := parseWire(b, qname)
	if err != nil {
		return nil, fmt.Errorf("malformed answer: %w", err)
	}
	return resp, nil
}

// caseBlind records that ap does not echo the case of a question, so that
// its later queries go in lower case.
func (t *udpTransport) caseBlind(ap netip.AddrPort) {
	t.caseless.Store(ap, struct{}{})
	t.mu.Lock()
	if p := t.pools[ap]; p != nil {
		p.caseless.Store(true)
	}
	t.mu.Unlock()
}

// pool returns ap's pool, making one when there is room, or nil.
func (t *udpTransport) pool(ap netip.AddrPort) *udpPool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.pools[ap]
	if p != nil && p.closed.Load() {
		delete(t.pools, ap)
		p = nil
	}
	if p == nil {
		if int(t.sockets.Load())+portsPerServer > maxPooledSockets {
			return nil
		}
		if t.stop == nil {
			t.clock.Store(time.Now().UnixNano())
			t.stop = make(chan struct{})
			go t.sweep(min(max(t.c.timeout/10, 5*time.Millisecond), 100*time.Millisecond), t.stop)
		}
		if t.pools == nil {
			t.pools = map[netip.AddrPort]*udpPool{}
		}
		p = &udpPool{t: t, addr: ap, v4: ap.Addr().Is4()}
		if _, no := t.caseless.Load(ap); no {
			p.caseless.Store(true)
		}
		t.pools[ap] = p
		// Reserve the pool's sockets now, so that the cap holds however
		// many pools open at once.
		t.sockets.Add(portsPerServer)
	}
	// Written only when the clock has moved: every query of every core
	// passes here, and a store would bounce the cache line between them.
	if now := t.clock.Load(); p.lastUse.Load() != now {
		p.lastUse.Store(now)
	}
	return p
}

// register picks one of the pool's sockets at random and registers w on it
// under a fresh random ID, written into w's query; a socket that has served
// its time is replaced first. It returns nil when the pool was closed.
func (p *udpPool) register(w *waiter) (*udpMux, uint16) {
	for range 3 {
		i := rand.IntN(portsPerServer)
		m := p.slots[i].Load()
		if m == nil {
			if m = p.replace(i, nil); m == nil {
				return nil, 0
			}
		}
		id, ok, due := m.add(w, p.t.clock.Load())
		if due {
			// This query still goes out on m; the next ones on a new port.
			p.replace(i, m)
		}
		if ok {
			binary.BigEndian.PutUint16(w.wire, id)
			return m, id
		}
		// Closed between the pick and the registration: pick again.
	}
	return nil, 0
}

// replace opens a socket on a new port in slot i, unless another query
// already replaced old there, and retires old. It returns the slot's
// socket, or nil when the pool is closed or has no socket.
func (p *udpPool) replace(i int, old *udpMux) *udpMux {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		return nil
	}
	cur := p.slots[i].Load()
	if cur != old {
		return cur
	}
	fresh, err := p.newMux()
	if err != nil {
		return cur // keep using the old socket, if any
	}
	if cur != nil {
		p.t.sockets.Add(1) // until the retired one closes
		p.t.retire(cur)
	}
	p.slots[i].Store(fresh)
	return fresh
}

// add registers w under a random ID not in use; ok is false when m is
// closed. due reports that m has sent rotateQueries queries or is older
// than rotateAge (by the transport's clock, now) and should be replaced.
func (m *udpMux) add(w *waiter, now int64) (id uint16, ok, due bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, false, false
	}
	for {
		id = uint16(rand.Uint32())
		if m.pending[id] == nil {
			break
		}
	}
	m.pending[id] = w
	m.sent++
	return id, true, m.sent >= rotateQueries || now-m.born > int64(rotateAge)
}

// newMux opens a connected socket to p's server on a port the kernel picks
// at random (Linux draws UDP ephemeral ports at random from
// ip_local_port_range).
func (p *udpPool) newMux() (*udpMux, error) {
	network := "udp6"
	if p.v4 {
		network = "udp4"
	}
	conn, err := net.DialUDP(network, nil, net.UDPAddrFromAddrPort(p.addr))
	if err != nil {
		return nil, err
	}
	m := &udpMux{t: p.t, conn: conn, done: make(chan struct{}), born: p.t.clock.Load(), pending: map[uint16]*waiter{}}
	if p.v4 {
		m.writeBatch = ipv4.NewPacketConn(conn).WriteBatch
	} else {
		m.writeBatch = ipv6.NewPacketConn(conn).WriteBatch
	}
	m.msgs = make([]ipv4.Message, writeBatch)
	for i := range m.msgs {
		m.msgs[i].Buffers = make([][]byte, 1)
	}
	go m.read(p.v4)
	return m, nil
}

// retire moves a replaced socket aside; the sweeper closes it once its
// queries are answered or timed out.
func (t *udpTransport) retire(m *udpMux) {
	t.mu.Lock()
	t.retired = append(t.retired, m)
	t.mu.Unlock()
}

// exchangeOnce sends one query over a socket of its own, for a server that
// found no room in the pools, and waits for the answer with its ID.
func (t *udpTransport) exchangeOnce(ctx context.Context, ap netip.AddrPort, wire []byte) ([]byte, error) {
	network := "udp6"
	if ap.Addr().Is4() {
		network = "udp4"
	}
	conn, err := net.DialUDP(network, nil, net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return nil, fmt.Errorf("udp socket: %w", err)
	}
	defer conn.Close()
	id := uint16(rand.Uint32())
	binary.BigEndian.PutUint16(wire, id)
	conn.SetDeadline(time.Now().Add(t.c.timeout))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	t.c.stats.queries.Add(1)
	if _, err := conn.Write(wire); err != nil {
		return nil, err
	}
	for {
		b := t.getBuf()
		n, err := conn.Read(b)
		if err != nil {
			t.putBuf(b)
			switch {
			case ctx.Err() != nil:
				return nil, ctx.Err()
			case errors.Is(err, os.ErrDeadlineExceeded):
				return nil, nil // the caller reads nil as a timeout
			}
			// An ICMP error (port unreachable): keep listening until the
			// deadline, as the pooled sockets do.
			continue
		}
		if n >= 12 && b[2]&0x80 != 0 && binary.BigEndian.Uint16(b) == id {
			return b[:n], nil
		}
		t.putBuf(b)
	}
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

// sweep, every tick until the transport is closed, delivers nil to every
// waiter whose deadline has passed (one sweeper replaces a timer per
// query), closes replaced sockets that no query waits on, and closes the
// pools of servers not asked for idleClose.
func (t *udpTransport) sweep(tick time.Duration, stop <-chan struct{}) {
	tk := time.NewTicker(tick)
	defer tk.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tk.C:
			t.clock.Store(now.UnixNano())
			t.mu.Lock()
			pools := make([]*udpPool, 0, len(t.pools))
			for _, p := range t.pools {
				pools = append(pools, p)
			}
			retired := t.retired
			t.mu.Unlock()

			var muxes []*udpMux
			for _, p := range pools {
				for i := range p.slots {
					if m := p.slots[i].Load(); m != nil {
						muxes = append(muxes, m)
					}
				}
			}
			for _, m := range append(muxes, retired...) {
				m.expire(now)
			}

			var keep []*udpMux
			for _, m := range retired {
				if !m.idle() {
					keep = append(keep, m)
				} else if m.close() {
					t.sockets.Add(-1)
				}
			}
			t.mu.Lock()
			// Sockets retired since the snapshot stay for the next tick
			// (unless close emptied the list meanwhile).
			if len(t.retired) >= len(retired) {
				t.retired = append(keep, t.retired[len(retired):]...)
			}
			t.mu.Unlock()

			for _, p := range pools {
				if now.UnixNano()-p.lastUse.Load() > int64(idleClose) {
					p.closeIfIdle()
				}
			}
		}
	}
}

// expire delivers nil to the waiters whose deadline has passed.
func (m *udpMux) expire(now time.Time) {
	m.mu.Lock()
	for id, w := range m.pending {
		if now.After(w.deadline) {
			delete(m.pending, id)
			w.ch <- nil
		}
	}
	m.mu.Unlock()
}

// idle reports whether no query waits on m.
func (m *udpMux) idle() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pending) == 0
}

// closeIfIdle closes the pool when no query waits on any of its sockets; a
// later query to its server opens a new pool.
func (p *udpPool) closeIfIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		return
	}
	for i := range p.slots {
		if m := p.slots[i].Load(); m != nil && !m.idle() {
			return
		}
	}
	p.closeLocked()
}

// closeLocked closes the pool's sockets; p.mu is held.
func (p *udpPool) closeLocked() {
	p.closed.Store(true)
	for i := range p.slots {
		if m := p.slots[i].Swap(nil); m != nil {
			m.close()
		}
	}
	p.t.sockets.Add(-portsPerServer)
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

// read receives answers until the socket is closed. The socket is
// connected, so the kernel has already dropped anything not from the
// server's address and port.
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
	defer func() {
		for i := range msgs {
			m.t.putBuf(msgs[i].Buffers[0])
		}
	}()
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
			id := binary.BigEndian.Uint16(b)
			m.mu.Lock()
			w := m.pending[id]
			if w != nil {
				delete(m.pending, id)
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

// close closes the socket and fails the queries waiting on it; it reports
// whether this call closed it.
func (m *udpMux) close() bool {
	closed := false
	m.closeOnce.Do(func() {
		closed = true
		close(m.done)
		m.conn.Close()
		m.mu.Lock()
		m.closed = true
		for id, w := range m.pending {
			delete(m.pending, id)
			w.ch <- closedSignal
		}
		m.mu.Unlock()
	})
	return closed
}

// close closes every socket; queries in flight fail with errClosed, and a
// later query opens new sockets.
func (t *udpTransport) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.pools {
		p.mu.Lock()
		if !p.closed.Load() {
			p.closeLocked()
		}
		p.mu.Unlock()
	}
	for _, m := range t.retired {
		m.close()
	}
	t.pools, t.retired = nil, nil
	t.sockets.Store(0)
	if t.stop != nil {
		close(t.stop)
		t.stop = nil
	}
}
