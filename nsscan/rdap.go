package nsscan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for the zero values of [RDAPConfig].
const (
	DefaultRDAPBootstrap = "https://data.iana.org/rdap/dns.json"
	DefaultRDAPTimeout   = 10 * time.Second
	DefaultRDAPRate      = 5.0
)

// maxRDAPBody caps an RDAP or bootstrap response read into memory.
const maxRDAPBody = 4 << 20

// RDAPConfig enables the RDAP fallback (RFC 9082, RFC 9083) with the IANA
// bootstrap registry (RFC 9224).
type RDAPConfig struct {
	// BootstrapURL is the DNS bootstrap file, fetched once per Checker and
	// kept for a day. Empty means DefaultRDAPBootstrap.
	BootstrapURL string
	// Servers maps a top-level domain or public suffix ("test", "co.uk") to
	// an RDAP base URL ("https://rdap.example/"), consulted before the
	// bootstrap file, which names only top-level domains.
	Servers map[string]string
	// HTTPClient sends the requests. Nil means a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds one request. Zero means DefaultRDAPTimeout (10s).
	Timeout time.Duration
	// RatePerServer caps requests per second to one RDAP host. Zero means
	// DefaultRDAPRate (5/s); negative means no limit. After a 429 answer,
	// requests to that host fail at once as rate-limited until its
	// Retry-After (a minute when absent) has passed.
	RatePerServer float64
}

type rdapClient struct {
	cfg   RDAPConfig
	http  *http.Client
	limit rate.Limit

	mu        sync.Mutex
	boot      map[string][]string // label suffix -> base URLs
	bootUntil time.Time
	bootErr   error
	bootDone  chan struct{}
	limiters  map[string]*rate.Limiter
	until     map[string]time.Time // host -> Retry-After end
}

func newRDAPClient(cfg RDAPConfig) (*rdapClient, error) {
	if cfg.Timeout < 0 || math.IsNaN(cfg.RatePerServer) {
		return nil, errors.New("rdap: negative timeout or rate not a number")
	}
	c := &rdapClient{cfg: cfg, http: cfg.HTTPClient, limiters: map[string]*rate.Limiter{}, until: map[string]time.Time{}}
	if c.cfg.BootstrapURL == "" {
		c.cfg.BootstrapURL = DefaultRDAPBootstrap
	}
	if c.cfg.Timeout == 0 {
		c.cfg.Timeout = DefaultRDAPTimeout
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: c.cfg.Timeout}
	}
	switch r := cfg.RatePerServer; {
	case r == 0:
		c.limit = rate.Limit(DefaultRDAPRate)
	case r < 0:
		c.limit = rate.Inf
	default:
		c.limit = rate.Limit(r)
	}
	for k, v := range cfg.Servers {
		if _, err := url.Parse(v); err != nil {
			return nil, fmt.Errorf("rdap: server for %s: %w", k, err)
		}
	}
	return c, nil
}

// rdapDomain is the part of an RDAP domain object (RFC 9083 §5.3) used here.
type rdapDomain struct {
	ObjectClassName string   `json:"objectClassName"`
	LDHName         string   `json:"ldhName"`
	Status          []string `json:"status"`
	Nameservers     []struct {
		LDHName string `json:"ldhName"`
	} `json:"nameservers"`
}

// nameservers asks the registry's RDAP service for name (canonical). It
// returns the canonical nameserver names, the base URL asked and the number
// of requests sent for this domain.
func (c *rdapClient) nameservers(ctx context.Context, name string) ([]string, string, int, error) {
	dom, base, n, err := c.domain(ctx, name)
	if err != nil {
		return nil, base, n, err
	}
	var ns []string
	for _, s := range dom.Nameservers {
		if fq, _, err := normalizeName(s.LDHName, 1); err == nil {
			ns = append(ns, fq)
		}
	}
	if len(ns) == 0 {
		return nil, base, n, fmt.Errorf("nsscan: rdap %s at %s: no nameservers in the answer", display(name), base)
	}
	return uniqueSorted(ns), base, n, nil
}

// explain says, for a name DNS does not delegate, what the registry's RDAP
// service knows: its status codes, or that it has no registration. It
// returns "" when RDAP cannot say, and the number of requests sent.
func (c *rdapClient) explain(ctx context.Context, name string) (string, int) {
	dom, _, n, err := c.domain(ctx, name)
	switch {
	case errors.Is(err, ErrNotRegistered):
		return "its RDAP service has no registration for " + display(name), n
	case err != nil:
		return "", n
	case len(dom.Status) > 0:
		return "its RDAP service lists " + display(name) + " with status " + strings.Join(dom.Status, ", "), n
	}
	return "", n
}

func (c *rdapClient) domain(ctx context.Context, name string) (rdapDomain, string, int, error) {
	base, err := c.baseFor(ctx, name)
	if err != nil {
		return rdapDomain{}, "", 0, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return rdapDomain{}, base, 0, fmt.Errorf("nsscan: rdap base %q: %w", base, err)
	}
	if err := c.wait(ctx, u.Host); err != nil {
		return rdapDomain{}, base, 0, err
	}
	endpoint := strings.TrimSuffix(base, "/") + "/domain/" + url.PathEscape(display(name))
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return rdapDomain{}, base, 0, fmt.Errorf("nsscan: rdap %s: %w", display(name), err)
	}
	req.Header.Set("Accept", "application/rdap+json, application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return rdapDomain{}, base, 1, fmt.Errorf("nsscan: rdap %s at %s: %w", display(name), base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRDAPBody))
	if err != nil {
		return rdapDomain{}, base, 1, fmt.Errorf("nsscan: rdap %s at %s: read: %w", display(name), base, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return rdapDomain{}, base, 1, fmt.Errorf("nsscan: rdap %s at %s: %w", display(name), base, ErrNotRegistered)
	case resp.StatusCode == http.StatusTooManyRequests:
		c.backOff(u.Host, resp.Header.Get("Retry-After"))
		return rdapDomain{}, base, 1, fmt.Errorf("nsscan: rdap %s at %s: HTTP 429: %w", display(name), base, ErrRateLimited)
	case resp.StatusCode != http.StatusOK:
		return rdapDomain{}, base, 1, fmt.Errorf("nsscan: rdap %s at %s: HTTP %d", display(name), base, resp.StatusCode)
	}
	var dom rdapDomain
	if err := json.Unmarshal(body, &dom); err != nil {
		return rdapDomain{}, base, 1, fmt.Errorf("nsscan: rdap %s at %s: decode: %w", display(name), base, err)
	}
	if dom.ObjectClassName != "" && dom.ObjectClassName != "domain" {
		return rdapDomain{}, base, 1, fmt.Errorf("nsscan: rdap %s at %s: got a %q object", display(name), base, dom.ObjectClassName)
	}
	return dom, base, 1, nil
}

// baseFor finds the RDAP base URL for name: Config.Servers first, then the
// longest matching entry of the bootstrap file.
func (c *rdapClient) baseFor(ctx context.Context, name string) (string, error) {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	for i := range labels {
		if s, ok := c.cfg.Servers[strings.Join(labels[i:], ".")]; ok {
			return s, nil
		}
	}
	boot, err := c.bootstrap(ctx)
	if err != nil {
		return "", err
	}
	for i := range labels {
		if urls := boot[strings.Join(labels[i:], ".")]; len(urls) > 0 {
			// Prefer https when the bootstrap lists both.
			for _, u := range urls {
				if strings.HasPrefix(u, "https:") {
					return u, nil
				}
			}
			return urls[0], nil
		}
	}
	return "", fmt.Errorf("nsscan: rdap: no service for .%s in the bootstrap file", labels[len(labels)-1])
}

// bootstrap returns the bootstrap services, fetching them once per day for
// all callers.
func (c *rdapClient) bootstrap(ctx context.Context) (map[string][]string, error) {
	c.mu.Lock()
	if c.boot != nil && time.Now().Before(c.bootUntil) {
		b := c.boot
		c.mu.Unlock()
		return b, nil
	}
	done := c.bootDone
	if done == nil {
		done = make(chan struct{})
		c.bootDone = done
		go func() {
			b, err := c.fetchBootstrap(context.WithoutCancel(ctx))
			c.mu.Lock()
			if err == nil {
				c.boot, c.bootUntil = b, time.Now().Add(24*time.Hour)
			}
			c.bootErr = err
			c.bootDone = nil
			c.mu.Unlock()
			close(done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.boot == nil {
		return nil, c.bootErr
	}
	return c.boot, nil
}

func (c *rdapClient) fetchBootstrap(ctx context.Context) (map[string][]string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.BootstrapURL, nil)
	if err != nil {
		return nil, fmt.Errorf("nsscan: rdap bootstrap: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("nsscan: rdap bootstrap: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("nsscan: rdap bootstrap %s: HTTP %d", c.cfg.BootstrapURL, resp.StatusCode)
	}
	var file struct {
		Services [][][]string `json:"services"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxRDAPBody)).Decode(&file); err != nil {
		return nil, fmt.Errorf("nsscan: rdap bootstrap %s: decode: %w", c.cfg.BootstrapURL, err)
	}
	m := map[string][]string{}
	for _, svc := range file.Services {
		if len(svc) != 2 {
			continue
		}
		for _, tld := range svc[0] {
			m[strings.ToLower(tld)] = svc[1]
		}
	}
	return m, nil
}

// wait paces requests to one host, and fails with ErrRateLimited while a
// 429's Retry-After lasts.
func (c *rdapClient) wait(ctx context.Context, host string) error {
	c.mu.Lock()
	until := c.until[host]
	l := c.limiters[host]
	if l == nil && c.limit != rate.Inf {
		l = rate.NewLimiter(c.limit, 1)
		c.limiters[host] = l
	}
	c.mu.Unlock()
	if time.Now().Before(until) {
		// Inside a 429's Retry-After window: fail at once rather than hold
		// the check for what may be an hour.
		return fmt.Errorf("nsscan: rdap %s: asked to retry after %s: %w", host, until.Format(time.RFC3339), ErrRateLimited)
	}
	if _, err := pace(ctx, l); err != nil {
		if errors.Is(err, errLimited) {
			return fmt.Errorf("nsscan: rdap %s: %w: %w", host, err, ErrRateLimited)
		}
		return err
	}
	return nil
}

// backOff records a 429's Retry-After (seconds or an HTTP date; a minute
// when absent).
func (c *rdapClient) backOff(host, retryAfter string) {
	d := time.Minute
	if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(retryAfter); err == nil {
		d = time.Until(t)
	}
	c.mu.Lock()
	c.until[host] = time.Now().Add(d)
	c.mu.Unlock()
}
