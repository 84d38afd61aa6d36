package nsscan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"
)

// Negative answers and registry entries are cached for at least minCacheTTL
// so that a run over many names under a missing suffix asks once.
const (
	minCacheTTL    = time.Minute
	maxNegativeTTL = time.Hour
	maxSteps       = 12 // referrals followed by one walk
	maxGlueDepth   = 3  // nesting of glueless nameserver lookups
)

// zoneEntry is what the cache knows about one registry-level name.
type zoneEntry struct {
	// key is the cached name; apex is the zone its servers serve, which is
	// an ancestor of key when key is a public suffix that is not a zone cut
	// of its own.
	key, apex string
	servers   []server
	expires   time.Time // zero: never (the roots)
	// missing: the parent answered NXDOMAIN for key.
	missing bool
}

// zoneCache holds registry zone cuts (the root, TLDs, public suffixes) with
// a single-flight guard: thousands of concurrent checks under one TLD cause
// one lookup of its servers.
type zoneCache struct {
	mu      sync.Mutex
	m       map[string]*zoneEntry
	flights map[string]*flight
}

type flight struct {
	done chan struct{}
	e    *zoneEntry
	err  error
}

func (z *zoneCache) init(roots []server) {
	z.m = map[string]*zoneEntry{".": {key: ".", apex: ".", servers: roots}}
	z.flights = map[string]*flight{}
}

// get returns a live cache entry.
func (z *zoneCache) get(key string, now time.Time) *zoneEntry {
	z.mu.Lock()
	defer z.mu.Unlock()
	e := z.m[key]
	if e == nil || (!e.expires.IsZero() && now.After(e.expires)) {
		return nil
	}
	return e
}

func (z *zoneCache) put(e *zoneEntry) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.m[e.key] = e
}

// deepest returns the live entry of the closest cached ancestor of name
// (the root at worst) that has servers.
func (z *zoneCache) deepest(name string, now time.Time) *zoneEntry {
	for a := parentName(name); ; a = parentName(a) {
		if e := z.get(a, now); e != nil && !e.missing {
			return e
		}
		if a == "." {
			return z.get(".", now)
		}
	}
}

// stepError is why a walk step failed: every server tried was of no use.
type stepError struct {
	zone     string
	reasons  []string // "ns1.nic.test (127.0.0.11:53): SERVFAIL"
	timeouts int      // how many of them timed out
	limited  bool     // a rate limit would pass the deadline
	tooDeep  bool     // the descent passed maxDescent zones
	ctxErr   error    // the caller's context ended
}

func (e *stepError) Error() string {
	switch {
	case e.ctxErr != nil:
		return fmt.Sprintf("nsscan: servers of %s: %v", display(e.zone), e.ctxErr)
	case e.limited:
		return fmt.Sprintf("nsscan: servers of %s: %v", display(e.zone), errLimited)
	}
	return fmt.Sprintf("nsscan: servers of %s: %s", display(e.zone), strings.Join(e.reasons, "; "))
}

func (e *stepError) Unwrap() error {
	switch {
	case e.ctxErr != nil:
		return e.ctxErr
	case e.limited:
		return ErrRateLimited
	}
	return nil
}

// category maps the failure to a Result category.
func (e *stepError) category() Category {
	switch {
	case e.ctxErr != nil:
		return CategoryTimeout
	case e.limited:
		return CategoryRateLimited
	case e.timeouts == len(e.reasons):
		return CategoryTimeout
	}
	return CategoryUnableToCheck
}

// start is the position in servers where the rotation for key begins: an
// FNV-1a hash of the name. Each question tries the servers of a zone from
// there on, so the load spreads over the servers and the same name always
// meets the same servers in the same order, whatever else runs at the time.
func start(servers []server, key string) int {
	if len(servers) < 2 {
		return 0
	}
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % uint32(len(servers)))
}

// ask puts one question to the servers of zone apex, one after another,
// until one gives a usable answer or attempts queries were of no use. The
// first round asks each server once; when servers remain in the budget, the
// ones that merely timed out (a lost packet) are asked again, so a zone with
// one server gets attempts tries, while a server that answered SERVFAIL,
// REFUSED or nonsense is not asked twice. Servers in skip are passed over.
// It returns the reply, the number of queries sent, and a *stepError when
// no server helped.
func (c *Checker) ask(ctx context.Context, apex string, servers []server, qname string, qtype uint16, skip map[netip.AddrPort]bool) (reply, int, error) {
	queries := 0
	fail := &stepError{zone: apex}
	first := start(servers, qname)
	var deadBuf [16]bool
	var dead []bool
	if len(servers) > len(deadBuf) {
		dead = make([]bool, len(servers))
	} else {
		dead = deadBuf[:len(servers)]
	}
	for i, srv := range servers {
		dead[i] = skip[srv.addr]
	}
	tried := 0
	for lap := true; lap && tried < c.attempts; {
		lap = false
		for k := range servers {
			i := (first + k) % len(servers)
			srv := servers[i]
			if dead[i] || tried == c.attempts {
				continue
			}
			lap = true
			tried++
			resp, n, transport, err := c.exchange(ctx, srv, qname, qtype)
			queries += n
			if err != nil {
				switch {
				case errors.Is(err, errLimited):
					fail.limited = true
					return reply{}, queries, fail
				case ctx.Err() != nil:
					fail.ctxErr = ctx.Err()
					return reply{}, queries, fail
				case errors.Is(err, errTimeout):
					fail.timeouts++
					fail.reasons = append(fail.reasons, srv.String()+": no answer within "+c.timeout.String())
				default:
					dead[i] = true
					fail.reasons = append(fail.reasons, srv.String()+": "+err.Error())
				}
				c.log.LogAttrs(ctx, slog.LevelDebug, "nsscan: server failed", slog.String("server", srv.String()), slog.String("qname", qname), slog.String("error", err.Error()))
				continue
			}
			r, why := classify(resp, apex, qname, qtype)
			if why != "" {
				dead[i] = true
				fail.reasons = append(fail.reasons, srv.String()+": "+why)
				c.log.LogAttrs(ctx, slog.LevelDebug, "nsscan: unusable answer", slog.String("server", srv.String()), slog.String("qname", qname), slog.String("reason", why))
				continue
			}
			r.server, r.transport = srv, transport
			return r, queries, nil
		}
	}
	if tried == 0 {
		fail.reasons = append(fail.reasons, "no server left to ask")
	}
	return reply{}, queries, fail
}

// parentSuffix is the registry-level zone directly above suffix: the
// nearest ancestor the Public Suffix List names, a TLD's parent being the
// root.
func parentSuffix(suffix string) string {
	for a := parentName(suffix); a != "."; a = parentName(a) {
		if !strings.Contains(strings.TrimSuffix(a, "."), ".") {
			return a
		}
		bare := strings.TrimSuffix(a, ".")
		if ps, _ := publicsuffix.PublicSuffix(bare); ps == bare {
			return a
		}
	}
	return "."
}

// zone returns the servers of a registry-level name, from the cache or by
// asking the servers of its parent suffix once for all concurrent callers.
func (c *Checker) zone(ctx context.Context, key string) (*zoneEntry, error) {
	if e := c.zones.get(key, time.Now()); e != nil {
		return e, nil
	}
	z := &c.zones
	z.mu.Lock()
	f := z.flights[key]
	if f == nil {
		f = &flight{done: make(chan struct{})}
		z.flights[key] = f
		z.mu.Unlock()
		// The lookup is shared, so it must not die with the first caller's
		// context: it runs on its own, bounded by the number of servers and
		// the per-query timeout.
		go func() {
			f.e, f.err = c.discover(context.WithoutCancel(ctx), key)
			z.mu.Lock()
			delete(z.flights, key)
			if f.err == nil {
				z.m[key] = f.e
			}
			z.mu.Unlock()
			close(f.done)
		}()
	} else {
		z.mu.Unlock()
	}
	select {
	case <-f.done:
		return f.e, f.err
	case <-ctx.Done():
		return nil, &stepError{zone: key, ctxErr: ctx.Err()}
	}
}

// discover finds the servers of a registry-level name by asking its parent
// suffix's servers for its NS set, following referrals to intermediate cuts
// the Public Suffix List does not name.
func (c *Checker) discover(ctx context.Context, key string) (*zoneEntry, error) {
	cur, err := c.zone(ctx, parentSuffix(key))
	if err != nil {
		return nil, err
	}
	if cur.missing {
		return &zoneEntry{key: key, apex: cur.apex, missing: true, expires: cur.expires}, nil
	}
	for step := 0; step < maxSteps; step++ {
		r, _, err := c.ask(ctx, cur.apex, cur.servers, key, dns.TypeNS, nil)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		switch r.kind {
		case kReferral, kAuthNS:
			var shared int // queries for the registry's own servers are nobody's
			servers := c.addresses(ctx, r, 0, &shared)
			if len(servers) == 0 {
				return nil, &stepError{zone: r.owner, reasons: []string{"no address for any of its nameservers " + strings.Join(displayAll(r.ns), ", ")}}
			}
			e := &zoneEntry{key: r.owner, apex: r.owner, servers: servers, expires: now.Add(clampTTL(r.ttl, minCacheTTL, maxCacheTTL))}
			if r.owner == key {
				return e, nil
			}
			// An intermediate cut above a public suffix is registry-level
			// too: keep it for the other names below it.
			c.zones.put(e)
			cur = e
		case kNXDomain:
			return &zoneEntry{key: key, apex: cur.apex, missing: true, expires: now.Add(clampTTL(r.ttl, minCacheTTL, maxNegativeTTL))}, nil
		default:
			// The suffix exists inside cur's zone without a cut of its own
			// (NODATA, or an alias): cur's servers answer for names below.
			return &zoneEntry{key: key, apex: cur.apex, servers: cur.servers, expires: now.Add(clampTTL(r.ttl, minCacheTTL, maxNegativeTTL))}, nil
		}
	}
	return nil, &stepError{zone: key, reasons: []string{"too many referrals"}}
}

// addresses turns the nameservers of a referral into servers to ask: glue
// first, else a lookup of the name from the roots. IPv4 addresses are used
// when there are any, IPv6 otherwise. The result is sorted by address. The
// queries the lookups send are added to *queries.
func (c *Checker) addresses(ctx context.Context, r reply, depth int, queries *int) []server {
	var v4, v6 []server
	for _, n := range r.ns {
		addrs := r.glue[n]
		if len(addrs) == 0 && !below(n, r.owner) && depth < maxGlueDepth {
			// A name inside the zone itself cannot be looked up without
			// glue; one outside can.
			addrs = c.resolveHost(ctx, n, depth+1, queries)
		}
		for _, a := range addrs {
			s := server{name: n, addr: netip.AddrPortFrom(a, c.portFor(0))}
			if a.Is4() {
				v4 = append(v4, s)
			} else {
				v6 = append(v6, s)
			}
		}
	}
	out := v4
	if len(out) == 0 {
		out = v6
	}
	slices.SortFunc(out, func(a, b server) int {
		return cmp.Or(a.addr.Compare(b.addr), strings.Compare(a.name, b.name))
	})
	return slices.CompactFunc(out, func(a, b server) bool { return a.addr == b.addr })
}

// resolveHost finds the addresses of a nameserver that came without glue by
// walking from the closest cached zone, asking for A and then AAAA. It uses
// the cache but never waits on a shared lookup, so lookups that depend on
// each other cannot deadlock. The queries sent are added to *queries.
func (c *Checker) resolveHost(ctx context.Context, host string, depth int, queries *int) []netip.Addr {
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		cur := c.zones.deepest(host, time.Now())
		apex, servers := cur.apex, cur.servers
		for step := 0; step < maxSteps; step++ {
			r, n, err := c.ask(ctx, apex, servers, host, qtype, nil)
			*queries += n
			if err != nil || r.kind != kReferral {
				if err == nil && r.kind == kAnswer {
					return r.addrs
				}
				break
			}
			apex, servers = r.owner, c.addresses(ctx, r, depth, queries)
		}
	}
	return nil
}

func clampTTL(ttl uint32, lo, hi time.Duration) time.Duration {
	return min(max(time.Duration(ttl)*time.Second, lo), hi)
}

func displayAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = display(n)
	}
	return out
}
