package provider

import (
	"context"
	"log/slog"
)

// Provider is a server that can list its accounts. It is the one interface
// every server type implements; further abilities are optional interfaces
// ([Creator], [Terminator], [Suspender], [PackageLister], [PasswordSetter])
// found by type assertion, as net/http does with http.Flusher.
//
// Implementations must follow these rules; [providertest.Run] checks them:
//
//   - ListAccounts returns every account on the server exactly once, or an
//     error and no accounts. Never a partial list: a failed page, node or
//     per-user call fails the whole listing, because a caller may read a
//     missing account as "terminated".
//   - Every account has a non-empty identifier (see
//     [Metadata.UniqueIdentifierField] and [Account.Identifier]), unique
//     within the listing, a valid [Status], and a Created time that is zero
//     or not in the future.
//   - Methods are safe for concurrent use by multiple goroutines.
//   - Methods honour ctx: once it is done they return promptly with an error
//     that wraps ctx.Err(), and a call made with a context that is already
//     done returns without touching the network.
//   - Errors are typed: they wrap the sentinels of this package (for
//     instance [ErrUnauthorized]) or are an [*APIError], and never contain a
//     password, token or access hash.
//
// [providertest.Run]: https://pkg.go.dev/github.com/accountsync/accountsync/provider/providertest#Run
type Provider interface {
	// Metadata describes the server type. It does no I/O.
	Metadata() Metadata
	// ListAccounts returns every account on the server, or an error and no
	// accounts.
	ListAccounts(ctx context.Context) ([]Account, error)
}

// Creator is a [Provider] that can create accounts.
type Creator interface {
	// CreateAccount creates the account and returns it as ListAccounts
	// would show it. If an account with that identifier already exists it
	// returns an error wrapping [ErrExists] and changes nothing.
	CreateAccount(ctx context.Context, a NewAccount) (Account, error)
}

// Terminator is a [Provider] that can remove accounts.
type Terminator interface {
	// TerminateAccount removes the account and its data from the server.
	// It is idempotent: terminating an account that is already gone returns
	// nil.
	TerminateAccount(ctx context.Context, a Account) error
}

// Suspender is a [Provider] that can suspend and unsuspend accounts.
//
// Both methods are idempotent: suspending a suspended account, or
// unsuspending an active one, returns nil and changes nothing. On a panel
// whose API toggles the state, the implementation reads the state first.
// Acting on an account that does not exist returns an error wrapping
// [ErrNotFound].
type Suspender interface {
	// SuspendAccount suspends the account; reason is shown on the panel
	// where it has a place for one.
	SuspendAccount(ctx context.Context, a Account, reason string) error
	// UnsuspendAccount makes a suspended account active again.
	UnsuspendAccount(ctx context.Context, a Account) error
}

// PackageLister is a [Provider] that can list the packages (plans, flavors,
// templates) accounts are created from.
type PackageLister interface {
	// ListPackages returns every package, or an error and none.
	ListPackages(ctx context.Context) ([]Package, error)
}

// PasswordSetter is a [Provider] that can change an account's password.
type PasswordSetter interface {
	// SetPassword sets the account's password. The password never appears
	// in errors or logs.
	SetPassword(ctx context.Context, a Account, password string) error
}

// NewAccount is what [Creator.CreateAccount] needs to create an account.
// Fields a panel does not use are ignored; Extra carries panel-specific
// settings documented by each provider package.
type NewAccount struct {
	Username string
	Domain   string
	Email    string
	Password string
	Product  string // the package or plan name on the server
	Extra    map[string]string
}

// String describes the account without its password.
func (n NewAccount) String() string {
	return "NewAccount{Username:" + n.Username + " Domain:" + n.Domain + " Email:" + n.Email + " Product:" + n.Product + " Password:" + MaskSecret(n.Password) + "}"
}

// LogValue masks the password when a NewAccount is logged with log/slog.
func (n NewAccount) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("username", n.Username),
		slog.String("domain", n.Domain),
		slog.String("email", n.Email),
		slog.String("product", n.Product),
		slog.String("password", MaskSecret(n.Password)),
	)
}

// Package is a package, plan, flavor or template accounts are created from.
type Package struct {
	Name  string
	Extra map[string]string // panel detail: quotas, ids
}

// MaskSecret is how a secret appears in String methods, log lines and
// errors: "REDACTED" when one is set, "" when none is, so a reader can tell
// a missing credential from a hidden one without seeing it. Providers use it
// in their Config's String and LogValue.
func MaskSecret(secret string) string {
	if secret == "" {
		return ""
	}
	return "REDACTED"
}
