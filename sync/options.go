package sync

import (
	"fmt"
	"time"
)

// Mode limits which kinds of action a plan may contain.
type Mode int

const (
	// ModeSynchronize plans every kind the switches allow. It is the zero
	// value; terminations still need their own switches.
	ModeSynchronize Mode = iota
	// ModeImportOnly plans imports and what they need (products, clients, and
	// reviews for accounts that cannot be imported).
	ModeImportOnly
	// ModeExportOnly plans exports (and reviews for services that cannot be
	// exported).
	ModeExportOnly
)

// String returns "synchronize", "import-only" or "export-only".
func (m Mode) String() string {
	switch m {
	case ModeSynchronize:
		return "synchronize"
	case ModeImportOnly:
		return "import-only"
	case ModeExportOnly:
		return "export-only"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// allows reports whether the mode admits an action of kind k, where k is
// the kind the action stands for (a review standing in for an import counts
// as an import).
func (m Mode) allows(k Kind) bool {
	switch m {
	case ModeImportOnly:
		return k == KindImport || k == KindCreateClient || k == KindCreateProduct
	case ModeExportOnly:
		return k == KindExport
	}
	return true
}

// Side names one side of the sync: the server (Remote) or the billing
// system (Local).
type Side int

const (
	// SideRemote is the server. It is the zero value: by default the server
	// leads on status.
	SideRemote Side = iota
	// SideLocal is the billing system.
	SideLocal
)

// String returns "remote" or "local".
func (s Side) String() string {
	switch s {
	case SideRemote:
		return "remote"
	case SideLocal:
		return "local"
	}
	return fmt.Sprintf("Side(%d)", int(s))
}

// Billing holds the billing settings of imported services.
type Billing struct {
	// Cycle is the billing cycle, such as "Monthly" (the default) or
	// "Annually".
	Cycle string `json:"cycle,omitempty"`
	// NextDueInDays sets the next due date to that many days after the
	// date of Options.Now (0: that date).
	NextDueInDays int `json:"nextDueInDays,omitempty"`
	// Free makes imported services free: cycle "Free Account" and no next
	// due date, whatever Cycle says.
	Free bool `json:"free,omitempty"`
}

// Emails chooses the e-mails sent after an import.
type Emails struct {
	// Welcome sends the product welcome e-mail.
	Welcome bool `json:"welcome,omitempty"`
	// HostingDetails sends the hosting account details.
	HostingDetails bool `json:"hostingDetails,omitempty"`
}

// Options steers [Diff]. The zero value plans a full, safe synchronisation
// keyed on the domain, with the server leading on status and no
// terminations.
type Options struct {
	// KeyField names the field accounts and services are matched on, as
	// [provider.Metadata.UniqueIdentifierField] does: "domain" (the
	// default when empty), "username", or any other value (such as
	// "customfield.VM ID") for Account.UniqueIdentifier against
	// Service.UniqueIdentifier.
	KeyField string

	// Mode limits the kinds planned.
	Mode Mode
	// StatusAuthority is the side whose status the other follows when an
	// account is Active on one side and Suspended on the other. The server
	// (Remote) leads by default.
	StatusAuthority Side
	// TerminateLocal plans TerminateLocal for a live service whose account
	// is gone from the server. When false, such a service is exported
	// instead (in Synchronize and ExportOnly modes).
	TerminateLocal bool
	// TerminateRemote plans TerminateRemote for an account whose billing
	// service ended (Terminated, Cancelled, Fraud). When false such
	// accounts are listed in Plan.Held.
	TerminateRemote bool
	// Selection, when not empty, limits the plan to these keys (a manual
	// run). Conflicts are reported whatever the selection.
	Selection []string

	// Clients maps client e-mail addresses to billing client IDs. An
	// import whose address is missing gets a CreateClient action.
	Clients map[string]string
	// Products maps server packages to billing product IDs. Packages are
	// looked up exactly, then ignoring case and surrounding space if that
	// finds one product. An import or package change to a package that is
	// missing gets a CreateProduct action. The entry for "" is the product
	// of accounts that report no package; without it such accounts go to
	// review.
	Products map[string]string
	// Billing is applied to imported services.
	Billing Billing
	// ResetPassword gives every imported account a new password, set on
	// the server and sent to the client, because billing cannot know the
	// old one.
	ResetPassword bool
	// Emails chooses the e-mails sent for imported services.
	Emails Emails

	// Nameservers holds a verdict per key: true when the domain's
	// nameservers are correct. Keys without a verdict are not judged.
	Nameservers map[string]bool
	// TerminateIncorrectNameservers plans TerminateRemote (which needs
	// TerminateRemote too) for live accounts whose nameservers are judged
	// incorrect. Billing is terminated with them.
	TerminateIncorrectNameservers bool

	// SeenMissing holds, per key, how many consecutive earlier runs saw its
	// account missing from the server (for a live service) or its
	// nameservers incorrect. Pass the previous plan's Plan.SeenMissing.
	SeenMissing map[string]int
	// ConfirmRuns is how many consecutive runs, this one included, must see
	// a key missing or incorrect before a termination is planned for that
	// reason. 0 and 1 plan it at once.
	ConfirmRuns int

	// MaxActions caps the actions of one run (reviews and the products and
	// clients the kept actions need are not counted); the rest goes to
	// Plan.Deferred, in plan order. 0 means no cap. It is a work limit, not
	// a safety limit: Limits judge the whole plan, deferred actions
	// included, because a class too big to be right is no safer in
	// batches. (Imports are judged by what billing already holds, so a
	// big server can be imported in batches; see Limits.MaxImportFraction.)
	MaxActions int
	// Limits are the safety limits; zero fields take the defaults.
	Limits Limits
	// Force returns a plan that exceeds the limits instead of an
	// [*UnsafePlanError].
	Force bool
	// AllowEmpty accepts an empty server listing while billing has live
	// services. Otherwise no exports or terminations are planned then,
	// because an empty listing is more often a fault than the truth.
	AllowEmpty bool

	// Now is the time of the run; it sets the next due date of imports.
	// Diff never reads the clock: when Now is zero, imported services get
	// no next due date. [Executor.Plan] sets it to the current time when
	// zero.
	Now time.Time

	// ExpectFingerprint, when set, is the Fingerprint of a plan approved
	// earlier. Diff fails with [ErrStalePlan] unless the inputs and options
	// give that same plan again, so that exactly what was reviewed is
	// applied.
	ExpectFingerprint string
}

// Defaults of [Limits], in the spirit of octoDNS: no more than 30% of the
// population changes in one class, judged once there are at least 10.
const (
	DefaultMaxFraction     = 0.3
	DefaultMaxTerminations = 25
	DefaultMinPopulation   = 10
)

// Limits are the safety limits of a plan. Each class (terminations,
// imports, exports, updates) may change at most a fraction of the
// population: the keys live on either side, counted once there are at
// least MinPopulation. Terminations also have an absolute cap. Fractions
// and MinPopulation of 0 or less take the defaults; a fraction of 1 or
// more turns its check off.
type Limits struct {
	// MaxTerminateFraction caps TerminateLocal and TerminateRemote together.
	MaxTerminateFraction float64
	// MaxImportFraction caps Import, but only while billing's live
	// services are missing from the server: more than this fraction of
	// them absent beside imports over this fraction of the population is
	// the picture of a wrong key field or a wrong server, where importing
	// would give customers second services. The first import of a server
	// billing has no live service for, and the later batches of an import
	// cut by MaxActions, are not capped; Plan.Imports says which case
	// applied. A billing listing cut short would look like such a batch:
	// that is why a Store returns an error rather than part of a listing.
	MaxImportFraction float64
	// MaxExportFraction caps Export.
	MaxExportFraction float64
	// MaxUpdateFraction caps UpdateLocal and the suspend and unsuspend
	// kinds together.
	MaxUpdateFraction float64
	// MaxTerminations caps terminations in number, whatever the
	// population: 0 takes the default, a negative value removes the cap.
	MaxTerminations int
	// MinPopulation is the population below which fractions are not
	// checked.
	MinPopulation int
}

// withDefaults returns l with zero fields set to the defaults.
func (l Limits) withDefaults() Limits {
	for _, f := range []*float64{&l.MaxTerminateFraction, &l.MaxImportFraction, &l.MaxExportFraction, &l.MaxUpdateFraction} {
		if *f <= 0 {
			*f = DefaultMaxFraction
		}
	}
	if l.MaxTerminations == 0 {
		l.MaxTerminations = DefaultMaxTerminations
	}
	if l.MinPopulation <= 0 {
		l.MinPopulation = DefaultMinPopulation
	}
	return l
}
