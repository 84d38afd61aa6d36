package sync

import (
	"fmt"

	"github.com/accountsync/accountsync/provider"
)

// Kind is what an [Action] does. Its string form is the one used in JSON,
// tables and reports.
type Kind string

// The kinds, listed in plan order: a plan sorts its actions by kind in this
// order, then by key, so dependencies come before what needs them and
// destructive kinds come last.
const (
	// KindReview is a case a person must look at; the executor does nothing.
	KindReview Kind = "review"
	// KindCreateProduct creates a billing product for a server package that
	// has none in [Options.Products], once per package.
	KindCreateProduct Kind = "create-product"
	// KindCreateClient creates a billing client for an e-mail address that has
	// none in [Options.Clients], once per address.
	KindCreateClient Kind = "create-client"
	// KindImport creates a billing service for an account found only on the
	// server.
	KindImport Kind = "import"
	// KindExport creates the account on the server for a live billing service
	// that has none.
	KindExport Kind = "export"
	// KindUpdateLocal copies the server's package, domain, username or IP onto
	// the billing service.
	KindUpdateLocal Kind = "update-local"
	// KindUnsuspendLocal sets the billing service Active because the account is
	// active on the server.
	KindUnsuspendLocal Kind = "unsuspend-local"
	// KindUnsuspendRemote unsuspends the account because the billing service is
	// Active.
	KindUnsuspendRemote Kind = "unsuspend-remote"
	// KindSuspendLocal sets the billing service Suspended because the account is
	// suspended on the server.
	KindSuspendLocal Kind = "suspend-local"
	// KindSuspendRemote suspends the account because the billing service is
	// Suspended.
	KindSuspendRemote Kind = "suspend-remote"
	// KindTerminateLocal sets a live billing service Terminated because its
	// account is gone from the server.
	KindTerminateLocal Kind = "terminate-local"
	// KindTerminateRemote removes the account from the server.
	KindTerminateRemote Kind = "terminate-remote"
)

// kindOrder returns every kind in plan order.
func kindOrder() [12]Kind {
	return [12]Kind{
		KindReview, KindCreateProduct, KindCreateClient, KindImport, KindExport, KindUpdateLocal,
		KindUnsuspendLocal, KindUnsuspendRemote, KindSuspendLocal, KindSuspendRemote,
		KindTerminateLocal, KindTerminateRemote,
	}
}

// Kinds returns every kind in plan order.
func Kinds() []Kind {
	all := kindOrder()
	return all[:]
}

// rank is k's position in plan order, or 12 if k is unknown.
func (k Kind) rank() int {
	switch k {
	case KindReview:
		return 0
	case KindCreateProduct:
		return 1
	case KindCreateClient:
		return 2
	case KindImport:
		return 3
	case KindExport:
		return 4
	case KindUpdateLocal:
		return 5
	case KindUnsuspendLocal:
		return 6
	case KindUnsuspendRemote:
		return 7
	case KindSuspendLocal:
		return 8
	case KindSuspendRemote:
		return 9
	case KindTerminateLocal:
		return 10
	case KindTerminateRemote:
		return 11
	}
	return 12
}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool { return k.rank() < 12 }

// Destructive reports whether k removes something: [KindTerminateLocal] or
// [KindTerminateRemote].
func (k Kind) Destructive() bool { return k == KindTerminateLocal || k == KindTerminateRemote }

// String returns the kind's name, such as "terminate-local".
func (k Kind) String() string { return string(k) }

// UnmarshalText accepts the known kinds only, so a plan read from JSON
// cannot carry an action the executor does not know.
func (k *Kind) UnmarshalText(b []byte) error {
	v := Kind(b)
	if !v.Valid() {
		return fmt.Errorf("sync: unknown action kind %q", b)
	}
	*k = v
	return nil
}

// Action is one step of a [Plan].
//
// Key is the normalised match key of the account and service it concerns;
// for [KindCreateClient] it is the normalised e-mail address and for
// [KindCreateProduct] the package name. Remote and Local are copies of the
// records the action was planned from; for [KindImport], Local is the service
// the executor will create, with the billing settings of the [Options]
// already applied. ProductID is the product an [KindImport] or a package change
// moves the service to; it is empty when a [KindCreateProduct] action of the
// same plan provides it. ResetPassword and Emails carry the import settings
// so that the executor needs nothing but the plan.
type Action struct {
	Kind          Kind              `json:"kind"`
	Key           string            `json:"key"`
	Remote        *provider.Account `json:"remote,omitempty"`
	Local         *Service          `json:"local,omitempty"`
	ProductID     string            `json:"productId,omitempty"`
	Changes       []Change          `json:"changes,omitempty"`
	Reason        string            `json:"reason"`
	ResetPassword bool              `json:"resetPassword,omitempty"`
	Emails        Emails            `json:"emails,omitzero"`
}

// needsProduct returns the package whose [KindCreateProduct] action a must wait
// for, or "".
func (a *Action) needsProduct() (string, bool) {
	if a.ProductID != "" || a.Local == nil {
		return "", false
	}
	switch a.Kind {
	case KindImport:
		return a.Local.Package, true
	case KindUpdateLocal:
		for _, c := range a.Changes {
			if c.Field == FieldPackage {
				return c.New, true
			}
		}
	}
	return "", false
}

// changesServer reports whether carrying out a changes the server, so
// that its billing side must be durable before the run goes on.
func (a *Action) changesServer() bool {
	switch a.Kind {
	case KindExport, KindTerminateRemote, KindSuspendRemote, KindUnsuspendRemote:
		return true
	case KindImport:
		return a.ResetPassword
	}
	return false
}

// needsClient returns the normalised e-mail address whose [KindCreateClient]
// action a must wait for, or "".
func (a *Action) needsClient() (string, bool) {
	if a.Kind != KindImport || a.Local == nil || a.Local.ClientID != "" {
		return "", false
	}
	return normalizeEmail(a.Local.ClientEmail), true
}
