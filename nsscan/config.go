package nsscan

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for the zero values of [Config].
const (
	DefaultTimeout       = 2 * time.Second
	DefaultAttempts      = 3
	DefaultConcurrency   = 64
	DefaultRatePerServer = 100.0
)

// maxCacheTTL caps how long a registry's nameservers are cached.
const maxCacheTTL = 24 * time.Hour

// ianaRoots are the IPv4 addresses of the thirteen root servers
// (https://www.iana.org/domains/root/servers; b-root moved on 2023-11-27).
var ianaRoots = [...]struct{ name, addr string }{
	{"a.root-servers.net", "198.41.0.4"},
	{"b.root-servers.net", "170.247.170.2"},
	{"c.root-servers.net", "192.33.4.12"},
	{"d.root-servers.net", "199.7.91.13"},
	{"e.root-servers.net", "192.203.230.10"},
	{"f.root-servers.net", "192.5.5.241"},
	{"g.root-servers.net", "192.112.36.4"},
	{"h.root-servers.net", "198.97.190.53"},
	{"i.root-servers.net", "192.36.148.17"},
	{"j.root-servers.net", "192.58.128.30"},
	{"k.root-servers.net", "193.0.14.129"},
	{"l.root-servers.net", "199.7.83.42"},
	{"m.root-servers.net", "202.12.27.33"},
}

// Config configures a [Checker]. The zero value checks against the real DNS
// with the documented defaults and no registry fallback.
type Config struct {
	// Roots are the root servers the walk starts from, each an IP address
	// with an optional port ("192.0.2.1", "127.0.0.10:5300", "[::1]:53").
	// Empty means the thirteen IANA root servers' IPv4 addresses on port 53.
	Roots []string
	// Port, when not zero, is the port used for every server contacted:
	// roots written without a port and every registry server learned from a
	// referral. Delegations carry no ports, so a lab of servers on 127.0.0.x
	// sharing one unprivileged port is reached this way. Zero means 53.
	Port int
	// Timeout bounds one query to one server (UDP, or the TCP retry after a
	// truncated answer). Zero means DefaultTimeout (2s).
	Timeout time.Duration
	// Attempts is how many queries one question may take before giving up.
	// Each server of the zone is asked in turn (SERVFAIL, REFUSED, timeouts
	// and broken answers move on to the next); when the zone has fewer
	// servers than Attempts, those that only timed out are asked again. A
	// negative verdict is then confirmed by another server of the zone,
	// with a budget of its own. Zero means DefaultAttempts (3).
	Attempts int
	// Concurrency is the number of domains CheckAll checks at once. Zero
	// means DefaultConcurrency (64).
	Concurrency int
	// RatePerServer caps the queries per second sent to any one server
	// address, shared by every check of this Checker. Zero means
	// DefaultRatePerServer (100); a negative value or +Inf means no limit.
	RatePerServer float64
	// Whois is the WHOIS fallback, asked when DNS and RDAP cannot say. Nil
	// means no WHOIS queries; [NewWhois] builds the default client.
	Whois WhoisClient
	// RDAP enables the RDAP fallback, asked when DNS cannot say, and used to
	// explain a missing delegation with the registry's status codes. Nil
	// means no RDAP queries.
	RDAP *RDAPConfig
	// Logger receives debug records about failing servers and fallbacks.
	// Nil means no logging.
	Logger *slog.Logger
}

// Checker judges domains' delegations. It is safe for concurrent use, and
// keeps registry servers, per-server rate limiters and UDP sockets for its
// lifetime: use one Checker for a whole run, and Close it afterwards to
// release its sockets and goroutines.
type Checker struct {
	roots       []server
	port        int
	timeout     time.Duration
	attempts    int
	concurrency int
	limit       rate.Limit // rate.Inf for none
	whois       WhoisClient
	rdap        *rdapClient
	log         *slog.Logger

	zones   zoneCache
	udp     udpTransport
	limMu   sync.Mutex
	limiter map[netip.AddrPort]*rate.Limiter

	stats struct {
		queries, tcp, timeouts, rateWaits atomic.Uint64
	}
}

// Stats are running totals over a Checker's lifetime.
type Stats struct {
	// Queries is every DNS query sent, shared registry lookups included.
	Queries uint64
	// TCP counts the queries retried over TCP after a truncated answer.
	TCP uint64
	// Timeouts counts queries that got no answer in time.
	Timeouts uint64
	// RateLimitWaits counts queries that waited for a per-server limiter.
	RateLimitWaits uint64
}

// Stats returns the running totals; it is cheap and safe to call while
// checks run, for example to show progress.
func (c *Checker) Stats() Stats {
	return Stats{
		Queries:        c.stats.queries.Load(),
		TCP:            c.stats.tcp.Load(),
		Timeouts:       c.stats.timeouts.Load(),
		RateLimitWaits: c.stats.rateWaits.Load(),
	}
}

// New validates cfg, fills in the defaults and returns a Checker. It sends
// nothing; the first check walks from the roots.
func New(cfg Config) (*Checker, error) {
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("nsscan: new: port %d out of range", cfg.Port)
	}
	if cfg.Timeout < 0 || cfg.Attempts < 0 || cfg.Concurrency < 0 {
		return nil, errors.New("nsscan: new: timeout, attempts and concurrency must not be negative")
	}
	if math.IsNaN(cfg.RatePerServer) {
		return nil, errors.New("nsscan: new: rate per server is not a number")
	}
	c := &Checker{
		port:        cfg.Port,
		timeout:     orDefault(cfg.Timeout, DefaultTimeout),
		attempts:    orDefault(cfg.Attempts, DefaultAttempts),
		concurrency: orDefault(cfg.Concurrency, DefaultConcurrency),
		whois:       cfg.Whois,
		log:         cfg.Logger,
		limiter:     map[netip.AddrPort]*rate.Limiter{},
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	switch r := cfg.RatePerServer; {
	case r == 0:
		c.limit = rate.Limit(DefaultRatePerServer)
	case r < 0 || math.IsInf(r, 1):
		c.limit = rate.Inf
	default:
		c.limit = rate.Limit(r)
	}
	if len(cfg.Roots) == 0 {
		for _, r := range ianaRoots {
			c.roots = append(c.roots, server{name: r.name, addr: netip.AddrPortFrom(netip.MustParseAddr(r.addr), c.portFor(0))})
		}
	}
	for _, r := range cfg.Roots {
		ap, err := parseServer(r, c.portFor(0))
		if err != nil {
			return nil, fmt.Errorf("nsscan: new: root %q: %w", r, err)
		}
		c.roots = append(c.roots, server{addr: ap})
	}
	if cfg.RDAP != nil {
		rc, err := newRDAPClient(*cfg.RDAP)
		if err != nil {
			return nil, fmt.Errorf("nsscan: new: %w", err)
		}
		c.rdap = rc
	}
	c.zones.init(c.roots)
	c.udp.c = c
	return c, nil
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// portFor returns the port to dial for a server whose own port is p (0 when
// unknown, as for addresses learned from glue).
func (c *Checker) portFor(p uint16) uint16 {
	if p != 0 {
		return p
	}
	if c.port != 0 {
		return uint16(c.port)
	}
	return 53
}

// parseServer reads "addr" or "addr:port" (IPv6 with a port in brackets).
func parseServer(s string, defPort uint16) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("not an IP address with an optional port: %w", err)
	}
	return netip.AddrPortFrom(a.Unmap(), defPort), nil
}

// limiterFor returns the shared limiter of one server address.
func (c *Checker) limiterFor(ap netip.AddrPort) *rate.Limiter {
	c.limMu.Lock()
	defer c.limMu.Unlock()
	l := c.limiter[ap]
	if l == nil {
		l = rate.NewLimiter(c.limit, 1)
		c.limiter[ap] = l
	}
	return l
}

// server is one address of one nameserver.
type server struct {
	name string // canonical host name, "" when known only by address
	addr netip.AddrPort
}

func (s server) String() string {
	if s.name == "" {
		return s.addr.String()
	}
	return display(s.name) + " (" + s.addr.String() + ")"
}

// itoa is strconv.Itoa, short for messages.
func itoa(i int) string { return strconv.Itoa(i) }
