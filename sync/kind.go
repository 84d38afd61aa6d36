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
	// Review is a case a person must look at; the executor does nothing.
	Review Kind = "review"
	// CreateProduct creates a billing product for a server package that
	// has none in [Options.Products], once per package.
	CreateProduct Kind = "create-product"
	// CreateClient creates a billing client for an e-mail address that has
	// none in [Options.Clients], once per address.
	CreateClient Kind = "create-client"
	// Import creates a billing service for an account found only on the
	// server.
	Import Kind = "import"
	// Export creates the account on the server for a live billing service
	// that has none.
	Export Kind = "export"
	// UpdateLocal copies the server's package, domain, username or IP onto
	// the billing service.
	UpdateLocal Kind = "update-local"
	// UnsuspendLocal sets the billing service Active because the account is
	// active on the server.
	UnsuspendLocal Kind = "unsuspend-local"
	// UnsuspendRemote unsuspends the account because the billing service is
	// Active.
	UnsuspendRemote Kind = "unsuspend-remote"
	// SuspendLocal sets the billing service Suspended because the account is
	// suspended on the server.
	SuspendLocal Kind = "suspend-local"
	// SuspendRemote suspends the account because the billing service is
	// Suspended.
	SuspendRemote Kind = "suspend-remote"
	// TerminateLocal sets a live billing service Terminated because its
	// account is gone from the server.
	TerminateLocal Kind = "terminate-local"
	// TerminateRemote removes the account from the server.
	TerminateRemote Kind = "terminate-remote"
)

// kindOrder returns every kind in plan order.
func kindOrder() [12]Kind {
	return [12]Kind{
		Review, CreateProduct, CreateClient, Import, Export, UpdateLocal,
		UnsuspendLocal, UnsuspendRemote, SuspendLocal, SuspendRemote,
		TerminateLocal, TerminateRemote,
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
	case Review:
		return 0
	case CreateProduct:
		return 1
	case CreateClient:
		return 2
	case Import:
		return 3
	case Export:
		return 4
	case UpdateLocal:
		return 5
	case UnsuspendLocal:
		return 6
	case UnsuspendRemote:
		return 7
	case SuspendLocal:
		return 8
	case SuspendRemote:
		return 9
	case TerminateLocal:
		return 10
	case TerminateRemote:
		return 11
	}
	return 12
}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool { return k.rank() < 12 }

// Destructive reports whether k removes something: [TerminateLocal] or
// [TerminateRemote].
func (k Kind) Destructive() bool { return k == TerminateLocal || k == TerminateRemote }

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

// The field names a [Change] uses: the Service fields the engine compares
// and the Store is asked to change.
const (
	FieldStatus      = "status"
	FieldPackage     = "package"
	FieldProductID   = "productId"
	FieldDomain      = "domain"
	FieldUsername    = "username"
	FieldDedicatedIP = "dedicatedIp"
)

// Change is one field of a billing service before and after an action.
type Change struct {
	Field string `json:"field"` // one of the Field constants
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Action is one step of a [Plan].
//
// Key is the normalised match key of the account and service it concerns;
// for [CreateClient] it is the normalised e-mail address and for
// [CreateProduct] the package name. Remote and Local are copies of the
// records the action was planned from; for [Import], Local is the service
// the executor will create, with the billing settings of the [Options]
// already applied. ProductID is the product an [Import] or a package change
// moves the service to; it is empty when a [CreateProduct] action of the
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

// needsProduct returns the package whose [CreateProduct] action a must wait
// for, or "".
func (a *Action) needsProduct() (string, bool) {
	if a.ProductID != "" || a.Local == nil {
		return "", false
	}
	switch a.Kind {
	case Import:
		return a.Local.Package, true
	case UpdateLocal:
		for _, c := range a.Changes {
			if c.Field == FieldPackage {
				return c.New, true
			}
		}
	}
	return "", false
}

// needsClient returns the normalised e-mail address whose [CreateClient]
// action a must wait for, or "".
func (a *Action) needsClient() (string, bool) {
	if a.Kind != Import || a.Local == nil || a.Local.ClientID != "" {
		return "", false
	}
	return normalizeEmail(a.Local.ClientEmail), true
}
