package httpx_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
)

func TestRedactorScrub(t *testing.T) {
	const (
		token    = "client-token-0001"
		password = `N3w<pa"ss>/&word`
	)
	base := httpx.NewRedactor([]string{token})
	tests := []struct {
		name, text string
	}{
		{"the configured credential", "token " + token + " refused"},
		{"a per-call secret as sent", "password " + password + " too weak"},
		{"a per-call secret JSON-escaped", `{"password_echo":"N3w\u003cpa\"ss\u003e\/\u0026word"}`},
		{"a per-call secret JSON-escaped without HTML escaping", `{"echo":"N3w<pa\"ss>/&word"}`},
		{"a per-call secret XML-escaped", "<echo>N3w&lt;pa&#34;ss&gt;/&amp;word</echo>"},
		{"a per-call secret form-encoded", "echo=" + "N3w%3Cpa%22ss%3E%2F%26word"},
		{"the value of a password field the panel echoes", `<rootpassword>Unrelated-9</rootpassword> {"vncpassword": "Unrelated-9"} consolepasswd=Unrelated-9`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is removed from an error's message and body", func(t *testing.T) {
			e := &provider.APIError{Type: "x", Op: "create account", Message: tt.text, Body: tt.text}
			wrapped := fmt.Errorf("wrapped: %w", e)
			if got := base.With(password).Scrub(wrapped); got != wrapped {
				t.Errorf("Scrub returned %v, want the error it was given", got)
			}
			for _, leak := range []string{token, "N3w", "Unrelated-9"} {
				if strings.Contains(e.Error(), leak) || strings.Contains(e.Body, leak) {
					t.Errorf("%q survives in %q / %q", leak, e, e.Body)
				}
			}
			if !strings.Contains(e.Body, "REDACTED") {
				t.Errorf("body %q does not say what was removed", e.Body)
			}
		})
	}
	t.Run("With leaves the client's redactor as it was", func(t *testing.T) {
		_ = base.With(password)
		if got := base.String(password); got != password {
			t.Errorf("the base redactor now removes the per-call secret: %q", got)
		}
	})
	t.Run("an error that is not an APIError is returned as it is", func(t *testing.T) {
		plain := errors.New("dial tcp: refused")
		if got := base.Scrub(plain); got != plain {
			t.Errorf("Scrub = %v", got)
		}
	})
}

func TestRedactorKeepsVendorWordsThatAreWeakSecrets(t *testing.T) {
	tests := []struct {
		name, secret, text, want string
	}{
		{"a password that is a word stays in the panel's prose", "wrong",
			"Authentication failed - wrong password.", "Authentication failed - wrong password."},
		{"a weak password is still removed where it stands as a value", "wrong",
			`login=admin&passwd2=wrong&x=1 {"echo": "wrong"} <v>wrong</v>`, `login=admin&passwd2=REDACTED&x=1 {"echo": "REDACTED"} <v>REDACTED</v>`},
		{"a short secret inside a word stays", "pass1",
			"bypass1 failed", "bypass1 failed"},
		{"a strong secret is removed everywhere", "Xk9-vq2!Lm",
			"the password Xk9-vq2!Lm was refused", "the password REDACTED was refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := httpx.NewRedactor([]string{tt.secret}).String(tt.text); got != tt.want {
				t.Errorf("String = %q\nwant     %q", got, tt.want)
			}
		})
	}
}
