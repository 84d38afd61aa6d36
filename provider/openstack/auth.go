package openstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

// microversions are the compute microversions the client asks for, best
// first. 2.69 shows servers in an unreachable cell as UNKNOWN records
// instead of leaving them out; 2.47 embeds the flavor's name in each
// server; "" (no header) is the base 2.1 API. A 406 answer moves the client
// one step down, once for its lifetime.
var microversions = [...]string{"2.69", "2.47", ""}

// renewBefore renews a token this long before Keystone says it expires.
const renewBefore = 30 * time.Second

// session is one Keystone token and the compute endpoint its catalog names.
type session struct {
	token   string
	expires time.Time // zero when Keystone did not say
	compute *httpx.Client
}

func (s *session) fresh(now time.Time) bool {
	return s.expires.IsZero() || now.Add(renewBefore).Before(s.expires)
}

// authFlight is one authentication in progress; concurrent callers wait
// for it instead of starting their own.
type authFlight struct {
	done chan struct{}
	sess *session
	err  error
}

// session returns a usable session, authenticating when there is none, it
// is about to expire, or it is stale (the token a caller just saw refused).
// Only one authentication runs at a time; the others wait for its result.
func (c *Client) session(ctx context.Context, op string, stale *session) (*session, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, &provider.APIError{Type: typeName, Op: op, Err: err}
		}
		c.mu.Lock()
		if s := c.sess; s != nil && s != stale && s.fresh(time.Now()) {
			c.mu.Unlock()
			return s, nil
		}
		if f := c.flight; f != nil {
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, &provider.APIError{Type: typeName, Op: op, Err: ctx.Err()}
			}
			if f.err == nil {
				return f.sess, nil
			}
			if isContextError(f.err) {
				// The caller that led the authentication gave up; this
				// caller's context is still alive, so it tries itself.
				continue
			}
			return nil, withOp(f.err, op)
		}
		f := &authFlight{done: make(chan struct{})}
		c.flight = f
		c.mu.Unlock()

		f.sess, f.err = c.authenticate(ctx, op)

		c.mu.Lock()
		c.flight = nil
		if f.err == nil {
			c.sess = f.sess
		}
		c.mu.Unlock()
		close(f.done)
		return f.sess, f.err
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// withOp returns err with its operation renamed, for a caller that waited
// on another caller's authentication.
func withOp(err error, op string) error {
	var ae *provider.APIError
	if errors.As(err, &ae) {
		cp := *ae
		cp.Op = op + ": authenticate"
		return &cp
	}
	return err
}

// authBody builds the Keystone v3 authentication request.
func (c *Client) authBody() authRequest {
	cfg := c.cfg
	if cfg.ApplicationCredentialID != "" {
		return authRequest{Auth: authBody{Identity: authIdentity{
			Methods:               []string{"application_credential"},
			ApplicationCredential: &authAppCred{ID: cfg.ApplicationCredentialID, Secret: cfg.APIToken},
		}}}
	}
	userDomain := domainOf(cfg.DomainName, cfg.DomainID)
	user := authUser{ID: cfg.UserID, Password: cfg.Password}
	if cfg.UserID == "" {
		user.Name, user.Domain = cfg.Username, userDomain
	}
	project := &authProject{ID: cfg.ProjectID}
	if cfg.ProjectID == "" {
		project.Name = cfg.ProjectName
		project.Domain = userDomain
		if cfg.ProjectDomainName != "" || cfg.ProjectDomainID != "" {
			project.Domain = domainOf(cfg.ProjectDomainName, cfg.ProjectDomainID)
		}
	}
	return authRequest{Auth: authBody{
		Identity: authIdentity{Methods: []string{"password"}, Password: &authPassword{User: user}},
		Scope:    &authScope{Project: project},
	}}
}

func domainOf(name, id string) *authDomain {
	switch {
	case id != "":
		return &authDomain{ID: id}
	case name != "":
		return &authDomain{Name: name}
	}
	return &authDomain{ID: DefaultDomainID}
}

// authenticate calls POST /v3/auth/tokens and picks the compute endpoint
// from the catalog.
func (c *Client) authenticate(ctx context.Context, op string) (*session, error) {
	op += ": authenticate"
	body, err := json.Marshal(c.authBody())
	if err != nil {
		return nil, &provider.APIError{Type: typeName, Op: op, Err: err}
	}
	resp, err := c.identity.Do(ctx, &httpx.Request{
		Op:     op,
		Method: http.MethodPost,
		Path:   c.authPath,
		Header: http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}},
		Body:   body,
		// A token request changes nothing on the cloud, so it is safe to
		// send again after a transport error or a 5xx.
		Idempotent: true,
	})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return nil, c.statusError(op, resp)
	}
	token := resp.Header.Get("X-Subject-Token")
	var tr tokenResponse
	if err := c.decode(op, resp, &tr, token); err != nil {
		return nil, err
	}
	if token == "" {
		return nil, c.identity.Error(op, resp, "", "no X-Subject-Token header in Keystone's answer", nil)
	}
	s := &session{token: token}
	if tr.Token.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339Nano, tr.Token.ExpiresAt)
		if err != nil {
			return nil, c.scrub(c.identity.Error(op, resp, "", fmt.Sprintf("token expires_at %q is not a time", tr.Token.ExpiresAt), nil), []string{token})
		}
		s.expires = t
	}
	endpoint, err := c.computeEndpoint(tr.Token.Catalog)
	if err != nil {
		return nil, &provider.APIError{Type: typeName, Op: op, StatusCode: resp.StatusCode, Message: err.Error(), Err: provider.ErrNotSupported}
	}
	s.compute, err = c.computeClient(endpoint)
	if err != nil {
		return nil, &provider.APIError{Type: typeName, Op: op, Err: err}
	}
	// No secret is logged, only where the token leads and until when.
	c.log.LogAttrs(ctx, slog.LevelDebug, "openstack: authenticated",
		slog.String("compute", endpoint), slog.String("expires", tr.Token.ExpiresAt))
	return s, nil
}

// computeEndpoint finds the compute endpoint for Config.Region and
// Config.Interface.
func (c *Client) computeEndpoint(catalog []catalogEntry) (string, error) {
	if len(catalog) == 0 {
		return "", errors.New("the token has no service catalog (is it scoped to a project?)")
	}
	var urls, regions []string
	for _, svc := range catalog {
		if svc.Type != "compute" {
			continue
		}
		for _, ep := range svc.Endpoints {
			if ep.Interface != c.cfg.Interface {
				continue
			}
			region := ep.RegionID
			if region == "" {
				region = ep.Region
			}
			regions = append(regions, region)
			if c.cfg.Region != "" && region != c.cfg.Region {
				continue
			}
			if !slices.Contains(urls, ep.URL) {
				urls = append(urls, ep.URL)
			}
		}
	}
	switch {
	case len(urls) == 1:
		return strings.TrimRight(urls[0], "/"), nil
	case len(urls) == 0 && c.cfg.Region != "":
		return "", fmt.Errorf("no %s compute endpoint in region %q in the catalog (regions: %s)", c.cfg.Interface, c.cfg.Region, strings.Join(regions, ", "))
	case len(urls) == 0:
		return "", fmt.Errorf("no %s compute endpoint in the catalog", c.cfg.Interface)
	}
	slices.Sort(regions)
	return "", fmt.Errorf("%d %s compute endpoints in the catalog; set Config.Region (regions: %s)", len(urls), c.cfg.Interface, strings.Join(slices.Compact(regions), ", "))
}

// computeClient returns the httpx client for endpoint, reusing the current
// one when the endpoint has not changed.
func (c *Client) computeClient(endpoint string) (*httpx.Client, error) {
	c.mu.Lock()
	cur := c.sess
	c.mu.Unlock()
	if cur != nil && cur.compute.BaseURL() == endpoint {
		return cur.compute, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("the catalog's compute endpoint %q is not a URL", endpoint)
	}
	// The catalog may name another host than Keystone's (it usually does),
	// and the token goes there; but not over plain http when Keystone is
	// reached over https: TLS is never given up silently.
	if strings.EqualFold(u.Scheme, "http") && strings.HasPrefix(strings.ToLower(c.cfg.BaseURL), "https:") {
		return nil, fmt.Errorf("the catalog's compute endpoint %q is plain http while Keystone is reached over https: the token would travel unencrypted (choose another Config.Interface or fix the catalog)", u.Redacted())
	}
	return httpx.New(c.httpConfig(endpoint))
}

// call sends req to the compute endpoint with the token and microversion
// headers. A 401 renews the token once and sends the request again; a 406
// lowers the microversion and sends it again. Any other status is left to
// the caller. The returned token is the one used, for scrubbing errors.
func (c *Client) call(ctx context.Context, req httpx.Request) (*httpx.Response, string, error) {
	sess, err := c.session(ctx, req.Op, nil)
	if err != nil {
		return nil, "", err
	}
	renewed := false
	for {
		mv := c.mv.Load()
		h := make(http.Header, len(req.Header)+3)
		for k, v := range req.Header {
			h[k] = v
		}
		h.Set("X-Auth-Token", sess.token)
		h.Set("Accept", "application/json")
		if v := microversions[mv]; v != "" {
			h.Set("OpenStack-API-Version", "compute "+v)
			h.Set("X-OpenStack-Nova-API-Version", v)
		}
		r := req
		r.Header = h
		resp, err := sess.compute.Do(ctx, &r)
		if err != nil {
			return nil, sess.token, err
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && !renewed:
			c.log.LogAttrs(ctx, slog.LevelDebug, "openstack: token refused; authenticating again", slog.String("op", req.Op))
			renewed = true
			if sess, err = c.session(ctx, req.Op, sess); err != nil {
				return nil, "", err
			}
		case resp.StatusCode == http.StatusNotAcceptable && int(mv) < len(microversions)-1:
			c.mv.CompareAndSwap(mv, mv+1)
			c.log.LogAttrs(ctx, slog.LevelDebug, "openstack: compute microversion not supported; stepping down",
				slog.String("refused", microversions[mv]), slog.String("next", microversions[mv+1]))
		default:
			return resp, sess.token, nil
		}
	}
}

// microversionAtLeast reports whether the microversion in use is at least
// 2.minor.
func (c *Client) microversionAtLeast(minor int) bool {
	v := microversions[c.mv.Load()]
	if v == "" {
		return minor <= 1
	}
	var major, m int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &m); err != nil {
		return false
	}
	return m >= minor
}
