package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"time"
)

// expand replaces "${NAME}" and "$NAME" with the environment variable's
// value; "$$" is a literal "$". An unset variable is an error: an empty
// credential would only fail later, and less clearly.
func expand(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		rest := s[i+1:]
		var name string
		switch {
		case strings.HasPrefix(rest, "$"):
			b.WriteByte('$')
			i++
			continue
		case strings.HasPrefix(rest, "{"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return "", errors.New(`"${" without "}"; write "$$" for a literal "$"`)
			}
			name = rest[1:end]
			i += end + 1
		default:
			n := 0
			for n < len(rest) && isNameByte(rest[n], n == 0) {
				n++
			}
			if n == 0 {
				return "", errors.New(`"$" must start a variable ("${NAME}"); write "$$" for a literal "$"`)
			}
			name = rest[:n]
			i += n
		}
		if name == "" || !validName(name) {
			return "", fmt.Errorf("%q is not an environment variable name", name)
		}
		v, ok := lookup(name)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty", name)
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || !first && c >= '0' && c <= '9'
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

// expandSecrets expands the variables of every field that holds a
// credential. Other fields are taken literally.
func (c *Config) expandSecrets(lookup func(string) (string, bool)) error {
	var err error
	ex := func(key string, v *string) {
		if err != nil {
			return
		}
		var e error
		if *v, e = expand(*v, lookup); e != nil {
			err = c.errKey(key, "%v", e)
		}
	}
	for i := range c.Servers {
		s := &c.Servers[i]
		p := fmt.Sprintf("servers[%d]", i)
		ex(p+".username", &s.Username)
		ex(p+".password", &s.Password)
		ex(p+".accessHash", &s.AccessHash)
		for _, k := range slices.Sorted(maps.Keys(s.Params)) {
			v := s.Params[k]
			ex(p+".params."+k, &v)
			s.Params[k] = v
		}
	}
	if w := c.Billing.WHMCS; w != nil {
		ex("billing.whmcs.identifier", &w.Identifier)
		ex("billing.whmcs.secret", &w.Secret)
		ex("billing.whmcs.accessKey", &w.AccessKey)
	}
	ex("run.report.username", &c.Run.Report.Username)
	ex("run.report.password", &c.Run.Report.Password)
	ex("serve.token", &c.Serve.Token)
	return err
}

// ServerTypes returns the panels a configuration may name: the keys of
// [Registry].
func ServerTypes() []string {
	return []string{"cpanel", "directadmin", "plesk", "solusvm", "openstack", "proxmox"}
}

// Modes returns the values of Policy.Mode.
func Modes() []string {
	return []string{"synchronize", "import-only", "export-only", "report"}
}

func (c *Config) validate() error {
	if len(c.Servers) == 0 {
		return c.errKey("servers", "no servers: list at least one")
	}
	seen := map[string]bool{}
	for i, s := range c.Servers {
		p := fmt.Sprintf("servers[%d]", i)
		if s.Name == "" {
			return c.errKey(p, "the server has no name")
		}
		if seen[s.Name] {
			return c.errKey(p+".name", "two servers are named %q", s.Name)
		}
		seen[s.Name] = true
		if s.Type == "" {
			return c.errKey(p, "server %q has no type (one of %s)", s.Name, strings.Join(ServerTypes(), ", "))
		}
		if !slices.Contains(ServerTypes(), s.Type) {
			return c.errKey(p+".type", "unknown server type %q (one of %s)", s.Type, strings.Join(ServerTypes(), ", "))
		}
		if s.Hostname == "" && s.IP == "" {
			return c.errKey(p, "server %q has neither hostname nor ip", s.Name)
		}
		if s.IP != "" && net.ParseIP(s.IP) == nil {
			return c.errKey(p+".ip", "%q is not an IP address", s.IP)
		}
		if s.Port < 0 || s.Port > 65535 {
			return c.errKey(p+".port", "%d is not a port", s.Port)
		}
		if s.Timeout < 0 {
			return c.errKey(p+".timeout", "must not be negative")
		}
	}

	b := c.Billing
	switch {
	case b.WHMCS == nil && b.SQLite == nil:
		return c.errKey("billing", `no billing side: set "whmcs" or "sqlite"`)
	case b.WHMCS != nil && b.SQLite != nil:
		return c.errKey("billing", `set one of "whmcs" and "sqlite", not both`)
	case b.SQLite != nil:
		if b.SQLite.Path == "" {
			return c.errKey("billing.sqlite", `"path" is required`)
		}
	case b.WHMCS != nil:
		w := b.WHMCS
		if w.URL == "" {
			return c.errKey("billing.whmcs", `"url" is required`)
		}
		if !strings.HasPrefix(w.URL, "https://") && !strings.HasPrefix(w.URL, "http://") {
			return c.errKey("billing.whmcs.url", "%q is not an http(s) URL", w.URL)
		}
		if w.Identifier == "" || w.Secret == "" {
			return c.errKey("billing.whmcs", `"identifier" and "secret" are required`)
		}
		for name := range w.Servers {
			if !seen[name] {
				return c.errKey("billing.whmcs.servers."+name, "no server is named %q", name)
			}
		}
		for _, s := range c.Servers {
			if w.Servers[s.Name] == "" {
				return c.errKey("billing.whmcs.servers", "server %q has no WHMCS server ID (Setup » Servers)", s.Name)
			}
		}
	}

	c.policies = map[string]Policy{}
	if err := c.checkPolicy(c.Policy, "policy"); err != nil {
		return err
	}
	for name, raw := range c.Policy.Servers {
		key := "policy.servers." + name
		if !seen[name] {
			return c.errKey(key, "no server is named %q", name)
		}
		p := c.Policy
		p.Servers = nil
		p.Products = maps.Clone(c.Policy.Products)
		if err := json.Unmarshal(raw, &p); err != nil {
			return c.errKey(key, "%v", err)
		}
		if err := c.checkPolicy(p, key); err != nil {
			return err
		}
		c.policies[name] = p
	}

	r := c.Run
	if r.Interval < 0 || r.Timeout < 0 || r.Report.Every < 0 {
		return c.errKey("run", "durations must not be negative")
	}
	if r.Interval != 0 && time.Duration(r.Interval) < time.Minute {
		return c.errKey("run.interval", "must be at least 1m")
	}
	if r.Concurrency < 0 {
		return c.errKey("run.concurrency", "must not be negative")
	}
	if r.Report.SMTP != "" {
		if _, _, err := net.SplitHostPort(r.Report.SMTP); err != nil {
			return c.errKey("run.report.smtp", "%q is not host:port", r.Report.SMTP)
		}
		if r.Report.From == "" || len(r.Report.To) == 0 {
			return c.errKey("run.report", `"smtp" needs "from" and "to"`)
		}
	}
	if c.Serve.Timezone != "" {
		if _, err := time.LoadLocation(c.Serve.Timezone); err != nil {
			return c.errKey("serve.timezone", "unknown time zone %q", c.Serve.Timezone)
		}
	}
	if c.Serve.Cache < 0 || c.Serve.Timeout < 0 {
		return c.errKey("serve", "durations must not be negative")
	}
	return nil
}

func (c *Config) checkPolicy(p Policy, key string) error {
	if p.Mode != "" && !slices.Contains(Modes(), p.Mode) {
		return c.errKey(key+".mode", "unknown mode %q (one of %s)", p.Mode, strings.Join(Modes(), ", "))
	}
	switch p.StatusAuthority {
	case "", "server", "billing":
	default:
		return c.errKey(key+".statusAuthority", `%q is neither "server" nor "billing"`, p.StatusAuthority)
	}
	if p.NextDueInDays < 0 {
		return c.errKey(key+".nextDueInDays", "must not be negative")
	}
	if p.MaxActions < 0 {
		return c.errKey(key+".maxActions", "must not be negative")
	}
	if p.ConfirmRuns < 0 {
		return c.errKey(key+".confirmRuns", "must not be negative")
	}
	if p.NameserverMinMatches < 0 || len(p.Nameservers) > 0 && p.NameserverMinMatches > len(p.Nameservers) {
		return c.errKey(key+".nameserverMinMatches", "must be between 0 and the number of nameservers (%d)", len(p.Nameservers))
	}
	if p.TerminateIncorrectNameservers && (!p.TerminateRemote || len(p.Nameservers) == 0) {
		return c.errKey(key+".terminateIncorrectNameservers", `needs "terminateRemote" and "nameservers"`)
	}
	return nil
}
