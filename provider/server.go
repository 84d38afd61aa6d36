package provider

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Server is what WHMCS keeps per server (tblservers), plus the transport
// settings a Go client needs. Each provider package turns one into a client
// with its FromServer function, and a [Registry] does so by Type.
//
// Server marshals to JSON with lower-camel keys ("accessHash",
// "certSHA256") and Timeout as a duration string ("30s"), so a list of
// servers can live in a configuration file. HTTPClient and Logger are not
// marshalled. String and LogValue mask Password and AccessHash.
type Server struct {
	Type     string `json:"type"`     // registry key: "cpanel", "plesk", ...
	Name     string `json:"name"`     // the caller's name for the server
	Hostname string `json:"hostname"` // preferred over IP when both are set
	IP       string `json:"ip,omitempty"`
	Port     int    `json:"port,omitempty"` // 0: the panel's default port
	// Secure selects https. It mirrors WHMCS's "Secure" checkbox, so its
	// zero value means plain http: set it for any server reached over a
	// network you do not control.
	Secure     bool              `json:"secure"`
	Username   string            `json:"username,omitempty"`
	Password   string            `json:"password,omitempty"`
	AccessHash string            `json:"accessHash,omitempty"` // API token, key or access hash
	Params     map[string]string `json:"params,omitempty"`     // panel specifics, documented per package

	// InsecureSkipVerify turns TLS verification off. Prefer CertSHA256.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
	// CertSHA256 pins the server's leaf certificate by the hex SHA-256 of
	// its DER bytes (colons allowed): a self-signed certificate is accepted
	// when, and only when, it matches.
	CertSHA256 string        `json:"certSHA256,omitempty"`
	RateLimit  float64       `json:"rateLimit,omitempty"` // requests per second; 0: the package default
	Burst      int           `json:"burst,omitempty"`
	Timeout    time.Duration `json:"-"` // per request; 0: the package default

	HTTPClient *http.Client `json:"-"`
	Logger     *slog.Logger `json:"-"`
}

// serverJSON carries Timeout as a duration string.
type serverJSON struct {
	serverFields
	Timeout string `json:"timeout,omitempty"`
}

type serverFields Server

// MarshalJSON writes the server with Timeout as a duration string.
func (s Server) MarshalJSON() ([]byte, error) {
	w := serverJSON{serverFields: serverFields(s)}
	if s.Timeout != 0 {
		w.Timeout = s.Timeout.String()
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a server; "timeout" is a duration string such as
// "30s" or "2m".
func (s *Server) UnmarshalJSON(data []byte) error {
	var w serverJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = Server(w.serverFields)
	if w.Timeout != "" {
		d, err := time.ParseDuration(w.Timeout)
		if err != nil {
			return fmt.Errorf("provider: server %q field \"timeout\": %w", s.Name, err)
		}
		s.Timeout = d
	}
	return nil
}

// Host returns Hostname, or IP when Hostname is empty.
func (s Server) Host() string {
	if h := strings.TrimSpace(s.Hostname); h != "" {
		return h
	}
	return strings.TrimSpace(s.IP)
}

// BaseURL returns the panel's base URL, "scheme://host:port", the way
// WHMCS builds it: https when Secure, and Port or else the default port for
// that scheme.
//
// A Hostname given as a URL ("https://panel.example.com:8443/path") is
// taken as it is, provided its scheme agrees with Secure: "https://" needs
// Secure set and "http://" needs it unset. A scheme that contradicts
// Secure is an error rather than a guess, because guessing "http" would
// send the credentials in plain text to a server the caller marked
// secure, and guessing "https" would hide a configuration mistake; any
// other scheme is an error too.
func (s Server) BaseURL(securePort, plainPort int) (string, error) {
	host := s.Host()
	if host == "" {
		return "", fmt.Errorf("provider: server %q: no hostname or IP", s.Name)
	}
	if strings.Contains(host, "://") {
		u, err := url.Parse(host)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("provider: server %q: invalid hostname %q", s.Name, host)
		}
		want := "http"
		if s.Secure {
			want = "https"
		}
		switch scheme := strings.ToLower(u.Scheme); {
		case scheme != "http" && scheme != "https":
			return "", fmt.Errorf("provider: server %q: hostname %q: scheme %q is neither http nor https", s.Name, u.Redacted(), u.Scheme)
		case scheme != want:
			return "", fmt.Errorf("provider: server %q: hostname %q says %s but Secure is %t: make them agree (Secure selects https)", s.Name, u.Redacted(), scheme, s.Secure)
		}
		u.Scheme = want
		return strings.TrimRight(u.String(), "/"), nil
	}
	scheme, port := "http", plainPort
	if s.Secure {
		scheme, port = "https", securePort
	}
	if s.Port != 0 {
		port = s.Port
	}
	if port <= 0 || port > 65535 {
		return "", fmt.Errorf("provider: server %q: invalid port %d", s.Name, port)
	}
	if h, p, err := net.SplitHostPort(host); err == nil {
		// "host:port" in the hostname field wins, as in WHMCS.
		host = h
		if n, err := strconv.Atoi(p); err == nil {
			port = n
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(port)), nil
}

// String describes the server without its secrets.
func (s Server) String() string {
	return fmt.Sprintf("Server{Type:%s Name:%s Host:%s Port:%d Secure:%t Username:%s Password:%s AccessHash:%s}",
		s.Type, s.Name, s.Host(), s.Port, s.Secure, s.Username, MaskSecret(s.Password), MaskSecret(s.AccessHash))
}

// LogValue masks the secrets when a Server is logged with log/slog.
func (s Server) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", s.Type),
		slog.String("name", s.Name),
		slog.String("host", s.Host()),
		slog.Int("port", s.Port),
		slog.Bool("secure", s.Secure),
		slog.String("username", s.Username),
		slog.String("password", MaskSecret(s.Password)),
		slog.String("accessHash", MaskSecret(s.AccessHash)),
	)
}

// Factory builds a [Provider] from a [Server]. Each provider package's
// FromServer, wrapped to return a Provider, is one.
type Factory func(Server) (Provider, error)

// FactoryOf adapts a provider package's FromServer, which returns its
// concrete client, to a [Factory].
func FactoryOf[P Provider](fromServer func(Server) (P, error)) Factory {
	return func(s Server) (Provider, error) {
		p, err := fromServer(s)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}

// Registry maps server types to factories. It is a plain value the caller
// builds; nothing registers itself globally:
//
//	reg := provider.Registry{
//		"cpanel": provider.FactoryOf(cpanel.FromServer),
//		"plesk":  provider.FactoryOf(plesk.FromServer),
//	}
//	p, err := reg.New(server)
type Registry map[string]Factory

// New builds the provider for s.Type. An unknown type is an error wrapping
// [ErrNotSupported] that lists the known types.
func (r Registry) New(s Server) (Provider, error) {
	f, ok := r[s.Type]
	if !ok || f == nil {
		known := make([]string, 0, len(r))
		for k := range r {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("provider: server %q: type %q: %w (known types: %s)",
			s.Name, s.Type, ErrNotSupported, strings.Join(known, ", "))
	}
	p, err := f(s)
	if err != nil {
		return nil, fmt.Errorf("provider: server %q (%s): %w", s.Name, s.Type, err)
	}
	return p, nil
}
