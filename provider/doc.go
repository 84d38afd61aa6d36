// Package provider defines the contract every server type fulfils: a
// [Provider] lists the accounts on one server as WHMCS ListAccounts records,
// and optional interfaces add what the server's API can also do.
//
// It imports only the standard library, so a third party can implement a
// provider for its own panel without pulling in anything else, and prove it
// with the conformance kit in package providertest.
//
// # The record
//
// [Account] is the WHMCS ListAccounts record: e-mail, username, domain,
// unique identifier, product, primary IP, creation time and status
// ([StatusActive] or [StatusSuspended]). Its JSON form is byte for byte what
// a WHMCS module returns, and [ListAccountsResult] wraps a listing (or an
// error) the way a module's ListAccounts function does.
//
// # Capabilities
//
// [Provider] has two methods, Metadata and ListAccounts. A provider whose
// API can do more also implements [Creator], [Terminator], [Suspender],
// [PackageLister] or [PasswordSetter]; callers find them by type assertion:
//
//	if s, ok := p.(provider.Suspender); ok {
//		err = s.SuspendAccount(ctx, acct, "overdue invoice")
//	}
//
// Terminate, suspend and unsuspend are idempotent.
//
// # Errors
//
// Errors wrap the sentinels [ErrNotFound], [ErrExists], [ErrUnauthorized],
// [ErrNotSupported], [ErrRateLimited] and [ErrTransient], or are an
// [*APIError] that carries the server type, the operation and what came
// back, and matches the sentinels through its Is method. No error holds a
// password, token or access hash.
//
// # Servers and registries
//
// [Server] mirrors what WHMCS stores per server. Each provider package has a
// FromServer function; a [Registry] built by the caller maps server types to
// them, so a program configured with a list of servers can build a provider
// for each without knowing their types in advance.
package provider
