package provider

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Server.Params keys that mean the same in every provider package of this
// module. A package documents which of them it reads, beside its own.
const (
	// ParamTimezone is the IANA zone ("Europe/Berlin") Account.Created is
	// expressed in; it sets the package's Config.Location. It is spelled
	// "timezone" everywhere: SolusVM's "location" is a data-centre id.
	ParamTimezone = "timezone"
	// ParamConcurrency is the number of calls a listing keeps in flight
	// (Config.Concurrency), a positive integer.
	ParamConcurrency = "concurrency"
	// ParamIP is the address new accounts are created on (Config.IP),
	// where the panel needs one; it overrides Server.IP.
	ParamIP = "ip"
)

// ServerParams reads the Params of a Server for a provider package's
// FromServer, which names the keys it knows: an unknown key is an error
// rather than a setting silently ignored, and values are parsed the same
// way in every package. Its errors read
// `<type>: server "<name>": param "<key>" is "<value>", want <what>`.
type ServerParams struct {
	typ, server string
	values      map[string]string
}

// ReadParams returns the Params of s for a provider of type typ
// ("cpanel"), or an error naming every key of s.Params that is not among
// known, with the known keys listed. Keys are matched exactly.
func ReadParams(typ string, s Server, known ...string) (*ServerParams, error) {
	var unknown []string
	for k := range s.Params {
		if !slices.Contains(known, k) {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		sorted := slices.Clone(known)
		slices.Sort(sorted)
		word := "param"
		if len(unknown) > 1 {
			word = "params"
		}
		return nil, fmt.Errorf("%s: server %q: unknown %s %s (known: %s)", typ, s.Name, word, strings.Join(unknown, ", "), strings.Join(sorted, ", "))
	}
	return &ServerParams{typ: typ, server: s.Name, values: s.Params}, nil
}

// String returns the value of key with surrounding space removed, "" when
// it is absent.
func (p *ServerParams) String(key string) string { return strings.TrimSpace(p.values[key]) }

// Has reports whether key is set to a non-empty value.
func (p *ServerParams) Has(key string) bool { return p.String(key) != "" }

// errorf words a problem with key's value.
func (p *ServerParams) errorf(key, format string, args ...any) error {
	return fmt.Errorf("%s: server %q: param %q %s", p.typ, p.server, key, fmt.Sprintf(format, args...))
}

// PositiveInt returns key as a positive integer, 0 when it is absent.
func (p *ServerParams) PositiveInt(key string) (int, error) {
	v := p.String(key)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, p.errorf(key, "is %q, want a positive number", v)
	}
	return n, nil
}

// Bool returns key as a boolean: "1", "true", "yes" or "on" for true, "0",
// "false", "no" or "off" for false (in any case), false when it is absent.
func (p *ServerParams) Bool(key string) (bool, error) {
	switch v := strings.ToLower(p.String(key)); v {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	default:
		return false, p.errorf(key, "is %q, want yes or no", v)
	}
}

// Location returns key as an IANA time zone, nil when it is absent.
func (p *ServerParams) Location(key string) (*time.Location, error) {
	v := p.String(key)
	if v == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		return nil, p.errorf(key, "is %q, want an IANA time zone such as \"Europe/Berlin\"", v)
	}
	return loc, nil
}
