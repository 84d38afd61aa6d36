package sync

import (
	"strings"
	"testing"
)

func TestKeyNormalisation(t *testing.T) {
	tests := []struct {
		name, field, in, want string
		invalid               bool
	}{
		{name: "a plain domain is kept as it is", field: "domain", in: "example.com", want: "example.com"},
		{name: "case, spaces and a trailing dot are dropped", field: "domain", in: "  Example.COM. ", want: "example.com"},
		{name: "a unicode domain becomes its A-label", field: "domain", in: "bücher.de", want: "xn--bcher-kva.de"},
		{name: "an upper-case unicode domain becomes the same A-label", field: "domain", in: "BÜCHER.DE", want: "xn--bcher-kva.de"},
		{name: "an A-label stays an A-label", field: "domain", in: "XN--BCHER-KVA.DE", want: "xn--bcher-kva.de"},
		{name: "a full-width dot is mapped to a dot", field: "domain", in: "example。com", want: "example.com"},
		{name: "sharp s is kept by non-transitional processing", field: "domain", in: "straße.de", want: "xn--strae-oqa.de"},
		{name: "an empty domain is invalid", field: "domain", in: "  ", invalid: true},
		{name: "a lone dot is invalid", field: "domain", in: ".", invalid: true},
		{name: "a label starting with a hyphen is invalid", field: "domain", in: "-bad.example", invalid: true},
		{name: "an empty label is invalid in a domain", field: "domain", in: "a..example", invalid: true},
		{name: "an underscore is invalid in a domain", field: "domain", in: "a_b.example", invalid: true},
		{name: "a space inside a domain is invalid", field: "domain", in: "exa mple.com", invalid: true},
		{name: "broken punycode is invalid", field: "domain", in: "xn--zz.example", invalid: true},
		{name: "a label of 64 octets is invalid", field: "domain", in: strings.Repeat("a", 64) + ".example", invalid: true},
		{name: "a username is lower-cased", field: "username", in: "JoSmith", want: "josmith"},
		{name: "an underscore is fine in a username", field: "username", in: "jo_smith", want: "jo_smith"},
		{name: "a double hyphen is fine in a custom identifier", field: "customfield.VM ID", in: "node1--100", want: "node1--100"},
		{name: "an e-mail address is fine as a custom identifier", field: "customfield.Login", in: "Jo@Example.com", want: "jo@example.com"},
		{name: "a control character is invalid in a custom identifier", field: "customfield.X", in: "a\x01b", invalid: true},
		{name: "an empty username is invalid", field: "username", in: "", invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newNormalizer(tt.field).key(tt.in)
			if tt.invalid {
				if err == nil {
					t.Fatalf("key(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("key(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			again, err := newNormalizer(tt.field).key(got)
			if err != nil || again != got {
				t.Errorf("key(%q) = %q, %v; a normal form must be its own normal form", got, again, err)
			}
		})
	}
}

// The fast path must agree with the IDNA profile on every string it
// accepts.
func FuzzKeyFastPath(f *testing.F) {
	for _, s := range []string{"example.com", "a-b.c", "ab--c.d", "xn--bcher-kva.de", "a..b", "-a.b", "a_b", "é.fr", strings.Repeat("a", 63)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, field := range []string{"domain", "username"} {
			n := newNormalizer(field)
			s := strings.TrimSuffix(strings.TrimSpace(s), ".")
			if s == "" || !n.canonical(s) {
				continue
			}
			slow, err := n.profile.ToASCII(s)
			if err != nil || slow != s {
				t.Errorf("%s: canonical(%q) but IDNA gives %q, %v", field, s, slow, err)
			}
		}
	})
}
