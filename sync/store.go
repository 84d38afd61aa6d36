package sync

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// Store is the caller's billing side: the services of one server, and the
// clients and products they belong to. The executor calls it from several
// goroutines at once, so implementations must be safe for concurrent use.
// Every method honours ctx, and errors never contain a password.
//
// A Store holds the services of exactly one server. Build one per server
// and hand it only to that server's sync: a Store shared by two servers
// lists the first server's services to the second server's plan, which
// then exports them onto the wrong machine (or, the other way round,
// terminates live services). Implementations should be constructed for
// one server and say which (whmcs.StoreConfig.ServerID, the examples'
// sqlstore DB.Server). synctest.RunStore checks an implementation against
// this contract.
type Store interface {
	// Services returns every service of the server being synced, in any
	// status, or an error and none. Never a partial list.
	Services(ctx context.Context) ([]Service, error)
	// FindClientByEmail returns the ID of the client with this e-mail
	// address (compared without regard to case), or an error wrapping
	// [provider.ErrNotFound].
	FindClientByEmail(ctx context.Context, email string) (string, error)
	// CreateClient creates a client and returns its ID. If a client with
	// that e-mail address exists it returns an error wrapping
	// [provider.ErrExists].
	CreateClient(ctx context.Context, c NewClient) (string, error)
	// CreateService creates the service (s.ID is empty) without
	// provisioning it (WHMCS: AcceptOrder with autosetup off) and returns
	// its ID.
	CreateService(ctx context.Context, s Service) (string, error)
	// UpdateService writes the changed fields of the service s.ID; s is
	// the whole service after the change, and changes names the fields
	// (see the Field constants) with their old and new values.
	UpdateService(ctx context.Context, s Service, changes []Change) error
	// TerminateService sets the service Terminated in billing only,
	// without calling the server. Terminating a Terminated service
	// returns nil.
	TerminateService(ctx context.Context, s Service) error
	// CreateProduct returns the ID of the product for the package,
	// creating one (hidden, in the caller's chosen group) if there is none.
	// It must not create a second product for a package that has one,
	// because a second Apply of a plan asks again.
	CreateProduct(ctx context.Context, p NewProduct) (string, error)
}

// ClientFinder is an optional interface of a [Store] that looks up many
// e-mail addresses in one call, as a database can with one query.
// [Executor.Plan] uses it, when the Store implements it, to learn which of
// the addresses its imports need have a client; otherwise it calls
// FindClientByEmail once per address.
type ClientFinder interface {
	// FindClientsByEmail returns the client ID of each address that has a
	// client (compared without regard to case), keyed by the address as
	// given. Addresses without a client are left out. It returns an error,
	// and no IDs, when the lookup fails.
	FindClientsByEmail(ctx context.Context, emails []string) (map[string]string, error)
}

// Batcher is an optional interface of a [Store] whose writes are cheaper
// in groups, such as a SQL database that commits once per transaction
// instead of once per row.
//
// Between BeginBatch and CommitBatch the store may hold its writes back
// and make them durable together; its reads must see them. When the
// [Notifier] or the [Journal] is the store itself, their writes belong to
// the batch too. The executor commits only between actions, never inside
// one: after every action that changed the server (so that the server and
// billing never disagree about it for longer than that action takes),
// after every 1,000 actions, and at the end of Apply, interrupted or not.
// A crash therefore loses whole actions that changed billing alone, which
// the next Apply finds still to do; applying twice still creates nothing
// twice.
//
// If CommitBatch fails, the store must drop what the batch held; the
// executor starts no more actions and Apply returns an error.
type Batcher interface {
	// BeginBatch starts holding writes back.
	BeginBatch(ctx context.Context) error
	// CommitBatch makes the writes held since BeginBatch durable and ends
	// the batch.
	CommitBatch(ctx context.Context) error
}

// NewClient is what [Store.CreateClient] needs.
type NewClient struct {
	// Email is the normalised e-mail address.
	Email string
	// Account is the first account, in key order, that needs the client;
	// a store may take a name or company from it.
	Account provider.Account
}

// NewProduct is what [Store.CreateProduct] needs.
type NewProduct struct {
	// Package is the server package the product provisions.
	Package string
}

// NotificationKind is the e-mail a [Notification] asks for.
type NotificationKind string

// The notifications the executor sends.
const (
	// NotificationKindWelcome is the product welcome e-mail of an imported service
	// (Options.Emails.Welcome).
	NotificationKindWelcome NotificationKind = "welcome"
	// NotificationKindHostingDetails is the account details e-mail of an imported
	// service (Options.Emails.HostingDetails).
	NotificationKindHostingDetails NotificationKind = "hosting-details"
	// NotificationKindNewPassword carries a password the executor set: on import
	// with Options.ResetPassword, and on every export. It is always sent,
	// since no one else knows the password.
	NotificationKindNewPassword NotificationKind = "new-password"
)

// Notification asks the [Notifier] to send one e-mail about one service.
type Notification struct {
	Kind      NotificationKind `json:"kind"`
	Key       string           `json:"key"`
	ServiceID string           `json:"serviceId"`
	ClientID  string           `json:"clientId,omitempty"`
	Email     string           `json:"email,omitempty"`
	Username  string           `json:"username,omitempty"`
	Domain    string           `json:"domain,omitempty"`
	// Password is the new password for NotificationKindNewPassword, empty
	// otherwise.
	// It is never marshalled, printed by String or logged.
	Password string `json:"-"`
}

// String describes the notification without its password.
func (n Notification) String() string {
	return fmt.Sprintf("Notification{Kind:%s Key:%s ServiceID:%s ClientID:%s Email:%s Password:%s}",
		n.Kind, n.Key, n.ServiceID, n.ClientID, n.Email, provider.MaskSecret(n.Password))
}

// LogValue masks the password when a Notification is logged with log/slog.
func (n Notification) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("kind", string(n.Kind)), slog.String("key", n.Key),
		slog.String("service", n.ServiceID), slog.String("password", provider.MaskSecret(n.Password)),
	)
}

// Notifier sends the e-mails of imports and exports, such as through WHMCS
// SendEmail. A store that keeps service passwords can take them from the
// NotificationKindNewPassword notification. Notify must be safe for
// concurrent use and never put the password in an error or log line.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// Outcome is how an action ended.
type Outcome string

// The outcomes of an action.
const (
	// OutcomeSucceeded means the action did what it planned.
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomeFailed means it did not; Entry.Message says why.
	OutcomeFailed Outcome = "failed"
	// OutcomeSkipped means there was nothing to do: its effect was already
	// in place (as after a crash), or it was a review.
	OutcomeSkipped Outcome = "skipped"
)

// Entry is one line of the sync log.
type Entry struct {
	Time      time.Time `json:"time"`
	Kind      Kind      `json:"kind"`
	Key       string    `json:"key"`
	ServiceID string    `json:"serviceId,omitempty"`
	Outcome   Outcome   `json:"outcome"`
	Message   string    `json:"message"`
}

// Journal keeps the sync log: one entry per action the executor ran,
// such as WHMCS's activity log through LogActivity. Record must be safe for
// concurrent use; a failed Record is logged and does not fail the action.
type Journal interface {
	Record(ctx context.Context, e Entry) error
}
