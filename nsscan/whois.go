package nsscan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/likexian/whois"
	whoisparser "github.com/likexian/whois-parser"
	"golang.org/x/time/rate"
)

// WhoisClient looks up a domain's nameservers in its registry's WHOIS. The
// Checker calls it only when DNS and RDAP cannot answer, with the
// registrable domain as a lower-case A-label without the final dot.
//
// Implementations must honour ctx, be safe for concurrent use, return an
// error wrapping [ErrNotRegistered] when the registry has no such domain and
// one wrapping [ErrRateLimited] when it refuses for now. A record with no
// nameservers is reported as category "unable-to-obtain-whois", never as
// Incorrect.
type WhoisClient interface {
	LookupNameservers(ctx context.Context, domain string) (WhoisRecord, error)
}

// WhoisRecord is what a WHOIS server said about a domain.
type WhoisRecord struct {
	// Server is the WHOIS server asked, as host:port.
	Server string
	// Nameservers as the registry lists them.
	Nameservers []string
}

// callWhois calls w, turning a panic in it into an error so that one bad
// answer cannot bring down a whole run.
func callWhois(ctx context.Context, w WhoisClient, domain string) (rec WhoisRecord, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("nsscan: whois %s: client panicked: %v", domain, p)
		}
	}()
	return w.LookupNameservers(ctx, domain)
}

// Defaults for the zero values of [WhoisConfig].
const (
	DefaultWhoisIANA    = "whois.iana.org:43"
	DefaultWhoisTimeout = 10 * time.Second
	DefaultWhoisRate    = 1.0
)

// WhoisConfig configures [NewWhois].
type WhoisConfig struct {
	// IANAServer is the host:port asked which WHOIS server serves a
	// top-level domain. Empty means DefaultWhoisIANA.
	IANAServer string
	// Servers maps a top-level domain or public suffix ("test", "co.uk") to
	// its WHOIS server as host or host:port, skipping the IANA lookup.
	Servers map[string]string
	// Timeout bounds one WHOIS query, connection included. Zero means
	// DefaultWhoisTimeout (10s).
	Timeout time.Duration
	// RatePerServer caps the queries per second to one WHOIS server, with a
	// burst of one; registries ban clients that ask faster. Zero means
	// DefaultWhoisRate (1/s); negative means no limit.
	RatePerServer float64
	// Logger receives debug records. Nil means no logging.
	Logger *slog.Logger
}

// RegistryWhois is the default [WhoisClient], built on
// github.com/likexian/whois and github.com/likexian/whois-parser. It asks
// the registry's own WHOIS server only (no registrar referral, whose answer
// would be merged into the registry's), caches each TLD's server for its
// lifetime after one IANA query, and paces each server.
type RegistryWhois struct {
	cfg   WhoisConfig
	log   *slog.Logger
	limit rate.Limit

	mu       sync.Mutex
	servers  map[string]*whoisServer // TLD -> lookup
	limiters map[string]*rate.Limiter
}

type whoisServer struct {
	done chan struct{}
	addr string
	err  error
}

// NewWhois returns a RegistryWhois. It sends nothing until asked.
func NewWhois(cfg WhoisConfig) (*RegistryWhois, error) {
	if cfg.Timeout < 0 || math.IsNaN(cfg.RatePerServer) {
		return nil, errors.New("nsscan: new whois: negative timeout or rate not a number")
	}
	w := &RegistryWhois{cfg: cfg, log: cfg.Logger, servers: map[string]*whoisServer{}, limiters: map[string]*rate.Limiter{}}
	if w.cfg.IANAServer == "" {
		w.cfg.IANAServer = DefaultWhoisIANA
	}
	if w.cfg.Timeout == 0 {
		w.cfg.Timeout = DefaultWhoisTimeout
	}
	switch r := cfg.RatePerServer; {
	case r == 0:
		w.limit = rate.Limit(DefaultWhoisRate)
	case r < 0:
		w.limit = rate.Inf
	default:
		w.limit = rate.Limit(r)
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w, nil
}

// LookupNameservers asks the registry's WHOIS server (found through IANA
// once per TLD, or from Config.Servers) for domain and parses the
// nameservers from the answer. It is safe for concurrent use.
func (w *RegistryWhois) LookupNameservers(ctx context.Context, domain string) (WhoisRecord, error) {
	domain = strings.ToLower(strings.Trim(strings.TrimSpace(domain), "."))
	addr, err := w.serverFor(ctx, domain)
	if err != nil {
		return WhoisRecord{}, err
	}
	rec := WhoisRecord{Server: addr}
	if err := w.wait(ctx, addr); err != nil {
		return rec, err
	}
	text, qerr := w.query(ctx, domain, addr)
	if qerr != nil {
		w.log.LogAttrs(ctx, slog.LevelDebug, "nsscan: whois query failed", slog.String("server", addr), slog.String("domain", domain), slog.String("error", qerr.Error()))
	}
	if qerr != nil && text == "" {
		return rec, fmt.Errorf("nsscan: whois %s at %s: %w", domain, addr, qerr)
	}
	// A server that refuses writes its reason and hangs up: the text comes
	// with an error, and still says why.
	info, perr := whoisparser.Parse(text)
	switch {
	case errors.Is(perr, whoisparser.ErrNotFoundDomain):
		return rec, fmt.Errorf("nsscan: whois %s at %s: %w", domain, addr, ErrNotRegistered)
	case errors.Is(perr, whoisparser.ErrDomainLimitExceed):
		return rec, fmt.Errorf("nsscan: whois %s at %s: %w", domain, addr, ErrRateLimited)
	case perr != nil:
		if qerr != nil {
			return rec, fmt.Errorf("nsscan: whois %s at %s: %w", domain, addr, qerr)
		}
		return rec, fmt.Errorf("nsscan: whois %s at %s: unreadable answer: %w", domain, addr, perr)
	}
	if info.Domain != nil {
		rec.Nameservers = info.Domain.NameServers
	}
	if len(rec.Nameservers) == 0 {
		return rec, fmt.Errorf("nsscan: whois %s at %s: no nameservers in the answer", domain, addr)
	}
	return rec, nil
}

// serverFor returns host:port of the WHOIS server for domain's registry.
func (w *RegistryWhois) serverFor(ctx context.Context, domain string) (string, error) {
	labels := strings.Split(domain, ".")
	for i := range labels {
		if s, ok := w.cfg.Servers[strings.Join(labels[i:], ".")]; ok {
			return withPort(s), nil
		}
	}
	tld := labels[len(labels)-1]
	w.mu.Lock()
	s := w.servers[tld]
	if s == nil {
		s = &whoisServer{done: make(chan struct{})}
		w.servers[tld] = s
		w.mu.Unlock()
		// Shared by every caller, so it does not end with the first
		// caller's context; the query timeout bounds it.
		go func() {
			s.addr, s.err = w.askIANA(context.WithoutCancel(ctx), tld)
			if s.err != nil && !errors.Is(s.err, errNoWhoisServer) {
				// A transient failure is not cached.
				w.mu.Lock()
				delete(w.servers, tld)
				w.mu.Unlock()
			}
			close(s.done)
		}()
	} else {
		w.mu.Unlock()
	}
	select {
	case <-s.done:
		return s.addr, s.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

var errNoWhoisServer = errors.New("no whois server")

// askIANA asks IANA's WHOIS which server serves tld.
func (w *RegistryWhois) askIANA(ctx context.Context, tld string) (string, error) {
	if err := w.wait(ctx, w.cfg.IANAServer); err != nil {
		return "", err
	}
	// A name without a dot makes likexian/whois ask whois.iana.org:43
	// directly; the dialer sends that to cfg.IANAServer.
	text, err := w.query(ctx, tld, "")
	if err != nil && text == "" {
		return "", fmt.Errorf("nsscan: whois server for .%s at %s: %w", tld, w.cfg.IANAServer, err)
	}
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.EqualFold(k, "whois") {
			continue
		}
		if f := strings.Fields(v); len(f) > 0 {
			return withPort(f[0]), nil
		}
	}
	return "", fmt.Errorf("nsscan: whois server for .%s: %w at %s", tld, errNoWhoisServer, w.cfg.IANAServer)
}

// query runs one likexian/whois query in a goroutine, bounded by ctx: the
// library has no context, and panics on some malformed referral lines.
// server "" means the IANA query for a bare TLD.
func (w *RegistryWhois) query(ctx context.Context, q, server string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	type answer struct {
		text string
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- answer{err: fmt.Errorf("whois library panicked: %v", p)}
			}
		}()
		cl := whois.NewClient().
			SetDialer(&ctxDialer{ctx: ctx, timeout: w.cfg.Timeout, iana: w.cfg.IANAServer}).
			SetTimeout(w.cfg.Timeout).
			SetDisableReferral(true).
			SetDisableStats(true)
		var a answer
		if server == "" {
			a.text, a.err = cl.Whois(q)
		} else {
			a.text, a.err = cl.Whois(q, server)
		}
		ch <- a
	}()
	select {
	case a := <-ch:
		return a.text, a.err
	case <-ctx.Done():
		// The dialer closes the connection on ctx's end, which ends the
		// goroutine promptly.
		return "", ctx.Err()
	}
}

// wait paces queries to one WHOIS server (see pace).
func (w *RegistryWhois) wait(ctx context.Context, server string) error {
	if w.limit == rate.Inf {
		return nil
	}
	w.mu.Lock()
	l := w.limiters[server]
	if l == nil {
		l = rate.NewLimiter(w.limit, 1)
		w.limiters[server] = l
	}
	w.mu.Unlock()
	if _, err := pace(ctx, l); err != nil {
		if errors.Is(err, errLimited) {
			return fmt.Errorf("nsscan: whois %s: %w: %w", server, err, ErrRateLimited)
		}
		return err
	}
	return nil
}

// ctxDialer dials with a context and closes the connection when the context
// ends; it sends likexian/whois's hard-coded IANA address to the configured
// one.
type ctxDialer struct {
	ctx     context.Context
	timeout time.Duration
	iana    string
}

// Dial implements golang.org/x/net/proxy.Dialer.
func (d *ctxDialer) Dial(network, addr string) (net.Conn, error) {
	if addr == DefaultWhoisIANA {
		addr = d.iana
	}
	nd := net.Dialer{Timeout: d.timeout}
	conn, err := nd.DialContext(d.ctx, network, addr)
	if err != nil {
		return nil, err
	}
	context.AfterFunc(d.ctx, func() { conn.Close() })
	return conn, nil
}

func withPort(s string) string {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s
	}
	return net.JoinHostPort(s, "43")
}
