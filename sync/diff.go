package sync

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync/provider"
)

// Diff compares the accounts a server lists (remote) with the services of
// the billing system (local) and returns the plan that brings them in
// step. Both must be complete listings.
//
// Diff is pure: it reads no clock (see Options.Now), network, disk or
// global state, and logs nothing. The same inputs, in any order, give the
// same plan, byte for byte as JSON.
//
// Records are matched on Options.KeyField, normalised on both sides (trim,
// lower case, trailing dot dropped, IDNA to ASCII). Then, per key:
//
//   - only on the server: [KindImport], with [KindCreateClient] and [KindCreateProduct]
//     once per missing e-mail address and package; [KindReview] when the
//     account has no usable e-mail address or package;
//   - Active or Suspended only in billing: [KindTerminateLocal] when
//     Options.TerminateLocal, otherwise [KindExport];
//   - on both, Active against Suspended: suspend or unsuspend the side that
//     follows Options.StatusAuthority;
//   - on both, package, domain, username or IP differing: [KindUpdateLocal];
//   - on both, billing Terminated, Cancelled or Fraud: [KindTerminateRemote] when
//     Options.TerminateRemote, otherwise held;
//   - on both, billing Pending: [KindReview]; billing Completed: nothing.
//
// An account unknown to billing is never terminated. A key held by two
// open services, two accounts, or a record with an empty or invalid key,
// unknown status, no ID or an ID another service also has, becomes a
// [Conflict] and gets nothing else. An ended service that shares its key
// with one open service is ignored in favour of it.
//
// Diff returns an error for invalid options, an error wrapping
// [ErrStalePlan] when Options.ExpectFingerprint does not match, and an
// [*UnsafePlanError] when the plan exceeds Options.Limits without
// Options.Force.
func Diff(remote []provider.Account, local []Service, opts Options) (*Plan, error) {
	d, p, err := diff(remote, local, opts)
	if err != nil {
		return nil, err
	}
	if err := d.judge(p); err != nil {
		return nil, err
	}
	return p, nil
}

// diff makes the plan without judging it: Diff without the fingerprint
// check and the limits.
func diff(remote []provider.Account, local []Service, opts Options) (*differ, *Plan, error) {
	cfg, err := resolve(opts)
	if err != nil {
		return nil, nil, err
	}
	d := &differ{cfg: cfg, fields: fieldRules(cfg.dom), seenOut: map[string]int{}}
	rows, remoteOnly := d.index(remote, local)
	if len(remote) == 0 && d.liveLocal > 0 && !cfg.AllowEmpty {
		d.guard = fmt.Sprintf("the server listed no accounts while billing has %d live services; set AllowEmpty if that is right", d.liveLocal)
	}
	for i := range rows {
		d.plan(&rows[i])
	}
	for _, r := range remoteOnly {
		d.plan(r)
	}
	d.addDependencies()
	p := d.finish()
	p.Imports, d.importsHeld = d.judgeImports(p)
	p.Fingerprint = d.fingerprint(p)
	return d, p, nil
}

// row is one key with the records that hold it on each side, as
// external-dns's plan table keeps a row per DNS name.
//
// While a side has one record for the key, its slice is a view of the
// caller's listing, capped at that record: nothing is copied or allocated
// for the common row, a second record makes append copy both out, and a
// view is never written (sorting one record moves nothing).
type row struct {
	key    string // normalised; invalidPrefix + the value for an invalid key
	remote []provider.Account
	local  []Service
}

// invalidPrefix starts the row key of an invalid value, so that it cannot
// meet a valid key.
const invalidPrefix = "\x00"

// differ is one run of Diff.
type differ struct {
	cfg    *config
	fields [4]fieldRule

	invalid  map[string]string // invalid row key -> why
	repeated map[string]int    // service ID -> count, for IDs held by several services

	liveLocal                 int // live services in the billing listing
	liveFound                 int // live services whose key the server lists
	remoteDigest, localDigest digest

	actions, held []Action
	conflicts     []Conflict
	inSync        int
	population    int // keys live on either side
	seenOut       map[string]int
	guard         string // why exports and terminations are held, if they are
	importsHeld   bool   // the imports exceed the limit and billing's services do not vouch for them
}

// index builds the table: a row per key, holding the records of both
// sides that have it. It returns the rows of billing's keys, in listing
// order, and those of keys only the server has; the order does not
// matter, since the plan's lists are sorted.
func (d *differ) index(remote []provider.Account, local []Service) (rows []row, remoteOnly []*row) {
	field := d.cfg.keyField
	table := make(map[string]*row, max(len(local), len(remote)))
	// The rows of billing's keys live in one slice, which never grows past
	// its size, so the table's pointers into it hold.
	rows = make([]row, 0, len(local))
	for i := range local {
		s := &local[i]
		k := d.keyOf(s.Identifier(field))
		d.localDigest.add(hashKey(seedLocal, k))
		if r := table[k]; r != nil {
			r.local = append(r.local, *s) // a key billing holds twice
		} else {
			rows = append(rows, row{key: k, local: local[i : i+1 : i+1]})
			table[k] = &rows[len(rows)-1]
		}
		if s.Status.live() {
			d.liveLocal++
		}
	}
	for j := range remote {
		a := &remote[j]
		k := d.keyOf(a.Identifier(field))
		d.remoteDigest.add(hashKey(seedRemote, k))
		switch r := table[k]; {
		case r == nil: // on the server only
			r = &row{key: k, remote: remote[j : j+1 : j+1]}
			table[k] = r
			remoteOnly = append(remoteOnly, r)
		case r.remote == nil:
			r.remote = remote[j : j+1 : j+1]
		default:
			r.remote = append(r.remote, *a)
		}
	}
	d.repeated = repeatedIDs(local)
	return rows, remoteOnly
}

// repeatedIDs returns the service IDs that several services hold, with
// their counts, or nil.
//
// Billing systems number their services (WHMCS's IDs are tblhosting row
// numbers), so an ID that is a number below 64 times the count of
// services is marked in a bitset (eight bytes a service), which costs a
// fraction of a map of strings at a few hundred thousand services; any
// other ID is counted in a map.
func repeatedIDs(local []Service) map[string]int {
	bound := uint64(64 * (len(local) + 1024))
	bits := make([]uint64, bound/64)
	var others map[string]int
	var repeated map[string]int
	for i := range local {
		id := local[i].ID
		if id == "" {
			continue
		}
		if n, ok := serviceNumber(id); ok && n < bound {
			word, bit := n/64, uint64(1)<<(n%64)
			if bits[word]&bit == 0 {
				bits[word] |= bit
				continue
			}
		} else {
			if others == nil {
				others = make(map[string]int)
			}
			if others[id]++; others[id] == 1 {
				continue
			}
		}
		if repeated == nil {
			repeated = make(map[string]int)
		}
		repeated[id] = max(repeated[id]+1, 2)
	}
	return repeated
}

// serviceNumber returns the number an ID is, when it is written as
// numbers are: decimal digits, no leading zero ("007" is another ID than
// "7", so it is not one).
func serviceNumber(id string) (uint64, bool) {
	if len(id) > 1 && id[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(id, 10, 64)
	return n, err == nil
}

// keyOf normalises a key value; an invalid one becomes a row key of its
// own, and the reason is kept for its conflict.
func (d *differ) keyOf(raw string) string {
	k, err := d.cfg.norm.key(raw)
	if err == nil {
		return k
	}
	k = invalidPrefix + strings.ToLower(strings.TrimSpace(raw))
	if d.invalid == nil {
		d.invalid = make(map[string]string)
	}
	if err == errEmptyKey {
		d.invalid[k] = "empty " + d.cfg.keyField
	} else {
		d.invalid[k] = fmt.Sprintf("invalid %s: %v", d.cfg.keyField, err)
	}
	return k
}

// plan plans one row: a conflict, or the actions for its key.
func (d *differ) plan(r *row) {
	if d.invalid != nil && strings.HasPrefix(r.key, invalidPrefix) {
		d.conflict(r, d.invalid[r.key])
		return
	}
	if len(r.remote) > 0 || slices.ContainsFunc(r.local, d.countsLive) {
		d.population++
	}
	if len(r.remote) > 0 {
		for i := range r.local {
			if r.local[i].Status.live() {
				d.liveFound++
			}
		}
	}
	holder, ignored, why := d.examine(r)
	if why != "" {
		d.conflict(r, why)
		return
	}

	kp := keyPlan{d: d, key: r.key, inScope: d.cfg.selection == nil || d.cfg.selection[r.key]}
	if len(ignored) > 0 {
		kp.note = fmt.Sprintf(" (ignoring ended %s)", labels(ignored))
	}
	var acct *provider.Account
	if len(r.remote) == 1 {
		acct = &r.remote[0]
	}
	switch {
	case acct != nil && holder == nil:
		d.planImport(&kp, acct)
	case acct == nil && holder != nil && holder.Status.live():
		d.planMissing(&kp, holder)
	case acct != nil && holder != nil:
		d.planBoth(&kp, acct, holder)
	}
	if kp.inScope && !kp.touched {
		d.inSync++
	}
}

// countsLive reports whether s is a live service that counts: one with an
// ID of its own.
func (d *differ) countsLive(s Service) bool {
	return s.Status.live() && s.ID != "" && d.repeated[s.ID] == 0
}

// examine finds the service a row is planned from: its one open service,
// or its one ended service when none is open (the ended services beside an
// open one are ignored). It returns why the row is a conflict instead, if
// it is: several accounts or open services, an unknown status, a service
// without an ID of its own.
//
// The common case is one record a side with nothing odd about it; any
// other row is examined in sorted order, so that the reasons come out the
// same for any input order.
func (d *differ) examine(r *row) (holder *Service, ignored []*Service, why string) {
	if d.plain(r) {
		if len(r.local) == 1 {
			holder = &r.local[0]
		}
		return holder, nil, ""
	}
	sortRecords(r)
	var reasons []string
	if len(r.remote) > 1 {
		reasons = append(reasons, fmt.Sprintf("%d accounts on the server share this key", len(r.remote)))
	}
	for i := range r.remote {
		if a := &r.remote[i]; !a.Status.Valid() {
			reasons = append(reasons, fmt.Sprintf("an account has unknown status %q", a.Status))
		}
	}
	var open, closed []*Service
	for i := range r.local {
		switch s := &r.local[i]; {
		case s.ID == "":
			reasons = append(reasons, "a service has no ID")
		case d.repeated[s.ID] > 0:
			if why := fmt.Sprintf("service ID %s is held by %d services in billing", s.ID, d.repeated[s.ID]); !slices.Contains(reasons, why) {
				reasons = append(reasons, why)
			}
		case !s.Status.Valid():
			reasons = append(reasons, fmt.Sprintf("service %s has unknown status %q", s.ID, s.Status))
		case s.Status.open():
			open = append(open, s)
		default:
			closed = append(closed, s)
		}
	}
	if len(open) > 1 {
		reasons = append(reasons, fmt.Sprintf("%d open services share this key: %s", len(open), labels(open)))
	}
	if len(open) == 0 && len(closed) > 1 && len(r.remote) > 0 {
		reasons = append(reasons, fmt.Sprintf("%d ended services share this key and the account is on the server: %s", len(closed), labels(closed)))
	}
	if len(reasons) > 0 {
		return nil, nil, strings.Join(reasons, "; ")
	}
	switch {
	case len(open) == 1:
		return open[0], closed, ""
	case len(closed) == 1:
		return closed[0], nil, ""
	}
	return nil, nil, "" // ended services only, and no account
}

// plain reports whether a row has at most one record a side, each with a
// known status, and the service an ID of its own.
func (d *differ) plain(r *row) bool {
	if len(r.remote) > 1 || len(r.local) > 1 {
		return false
	}
	if len(r.remote) == 1 && !r.remote[0].Status.Valid() {
		return false
	}
	if len(r.local) == 1 {
		s := &r.local[0]
		return s.ID != "" && s.Status.Valid() && d.repeated[s.ID] == 0
	}
	return true
}

// sortRecords orders a row's records by their content.
func sortRecords(r *row) {
	slices.SortFunc(r.remote, func(a, b provider.Account) int {
		return strings.Compare(string(appendAccount(nil, &a)), string(appendAccount(nil, &b)))
	})
	slices.SortFunc(r.local, func(a, b Service) int {
		return strings.Compare(string(appendService(nil, &a)), string(appendService(nil, &b)))
	})
}

func labels(ss []*Service) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.label()
	}
	return strings.Join(parts, ", ")
}

func (d *differ) conflict(r *row, reason string) {
	sortRecords(r)
	d.conflicts = append(d.conflicts, Conflict{
		Key:    strings.TrimPrefix(r.key, invalidPrefix),
		Reason: reason,
		Remote: slices.Clone(r.remote),
		Local:  slices.Clone(r.local),
	})
}

// keyPlan collects what is planned for one key.
type keyPlan struct {
	d       *differ
	key     string
	inScope bool
	touched bool   // some candidate was produced
	note    string // appended to every reason
}

// add files an action: dropped when out of scope or mode, held when hold
// is set, planned otherwise. It reports whether the action was planned.
func (kp *keyPlan) add(a Action, standsFor Kind, hold string) bool {
	kp.touched = true
	if !kp.inScope || !kp.d.cfg.Mode.allows(standsFor) {
		return false
	}
	a.Key = kp.key
	a.Reason += kp.note
	if hold != "" {
		a.Reason += "; held: " + hold
		kp.d.held = append(kp.d.held, a)
		return false
	}
	kp.d.actions = append(kp.d.actions, a)
	return true
}

// seen records that key is missing or incorrect in this run and returns
// the count of consecutive runs, this one included. While the server
// listing is suspect the earlier count is carried, not raised.
func (d *differ) seen(key string) int {
	prev, had := d.cfg.seen[key]
	if d.guard != "" {
		if had {
			d.seenOut[key] = prev
		}
		return prev
	}
	d.seenOut[key] = prev + 1
	return prev + 1
}

// confirmHold returns why a termination for a key seen n times must wait,
// or "".
func (d *differ) confirmHold(n int, what string) string {
	if n < d.cfg.ConfirmRuns {
		return fmt.Sprintf("%s in %d of the %d runs required", what, n, d.cfg.ConfirmRuns)
	}
	return ""
}

// copyOf returns a copy of v, for the plan to carry.
func copyOf[T any](v *T) *T {
	c := *v
	return &c
}

func (d *differ) planImport(kp *keyPlan, acct *provider.Account) {
	remote := copyOf(acct)
	if acct.Partial() {
		kp.add(Action{Kind: KindReview, Remote: remote,
			Reason: "on the server only, but the server reported the account only in part; import it once the server describes it in full"}, KindImport, "")
		return
	}
	email := normalizeEmail(acct.Email)
	if !validEmail(email) {
		kp.add(Action{Kind: KindReview, Remote: remote,
			Reason: "on the server only, but the account has no valid e-mail address to find or create a client for"}, KindImport, "")
		return
	}
	pid, mapped := d.cfg.product(acct.Product)
	if !mapped && acct.Product == "" {
		kp.add(Action{Kind: KindReview, Remote: remote,
			Reason: `on the server only, but the account reports no package and Products has no entry for ""`}, KindImport, "")
		return
	}
	svc := Service{
		ClientID:         d.cfg.clients[email],
		ClientEmail:      email,
		ProductID:        pid,
		Package:          acct.Product,
		Domain:           strings.TrimSpace(acct.Domain),
		Username:         strings.TrimSpace(acct.Username),
		UniqueIdentifier: strings.TrimSpace(acct.UniqueIdentifier),
		Status:           ServiceStatus(acct.Status),
		DedicatedIP:      strings.TrimSpace(acct.PrimaryIP),
		RegDate:          acct.Created,
		NextDueDate:      d.cfg.nextDue,
		BillingCycle:     d.cfg.cycle,
	}
	reason := "on the server only"
	if svc.ClientID == "" {
		reason += "; new client " + email
	}
	if !mapped {
		reason += fmt.Sprintf("; package %q has no product yet", acct.Product)
	}
	kp.add(Action{Kind: KindImport, Remote: remote, Local: &svc, ProductID: pid, Reason: reason,
		ResetPassword: d.cfg.ResetPassword, Emails: d.cfg.Emails}, KindImport, "")
}

func (d *differ) planMissing(kp *keyPlan, s *Service) {
	n := d.seen(kp.key)
	local := copyOf(s)
	reason := fmt.Sprintf("%s in billing (%s) but not on the server", s.Status, "service "+s.ID)
	if d.cfg.TerminateLocal {
		hold := d.guard
		if hold == "" {
			hold = d.confirmHold(n, "missing")
		}
		kp.add(Action{Kind: KindTerminateLocal, Local: local, Reason: reason}, KindTerminateLocal, hold)
		return
	}
	if strings.TrimSpace(s.Package) == "" {
		kp.add(Action{Kind: KindReview, Local: local, Reason: reason + ", and the service has no package to create the account with"}, KindExport, "")
		return
	}
	kp.add(Action{Kind: KindExport, Local: local, Reason: reason}, KindExport, d.guard)
}

func (d *differ) planBoth(kp *keyPlan, acct *provider.Account, s *Service) {
	if s.Status == ServiceStatusCompleted {
		return
	}
	if acct.Partial() {
		// The account exists, which is all a live service needs to know;
		// its status and details are unknown, so nothing is compared.
		if !s.Status.live() {
			kp.add(Action{Kind: KindReview, Remote: copyOf(acct), Local: copyOf(s),
				Reason: fmt.Sprintf("%s in billing (service %s), but the server reported the account only in part", s.Status, s.ID)}, KindUpdateLocal, "")
		}
		return
	}
	switch s.Status {
	case ServiceStatusPending:
		kp.add(Action{Kind: KindReview, Remote: copyOf(acct), Local: copyOf(s),
			Reason: fmt.Sprintf("Pending in billing (service %s) but the account already exists on the server", s.ID)}, KindUpdateLocal, "")
		return
	case ServiceStatusTerminated, ServiceStatusCancelled, ServiceStatusFraud:
		hold := ""
		if !d.cfg.TerminateRemote {
			hold = "TerminateRemote is off"
		}
		kp.add(Action{Kind: KindTerminateRemote, Remote: copyOf(acct), Local: copyOf(s),
			Reason: fmt.Sprintf("%s in billing (service %s) but still on the server", s.Status, s.ID)}, KindTerminateRemote, hold)
		return
	}

	// Active or Suspended on both sides.
	if ok, judged := d.cfg.nameservers[kp.key]; judged && !ok {
		n := d.seen(kp.key)
		if d.cfg.TerminateIncorrectNameservers {
			hold := ""
			if !d.cfg.TerminateRemote {
				hold = "TerminateRemote is off"
			} else {
				hold = d.confirmHold(n, "judged incorrect")
			}
			a := Action{Kind: KindTerminateRemote, Remote: copyOf(acct), Local: copyOf(s),
				Reason: fmt.Sprintf("nameservers judged incorrect; service %s is terminated in billing too", s.ID)}
			if kp.add(a, KindTerminateRemote, hold) {
				return
			}
		}
	}

	if rs := ServiceStatus(acct.Status); rs != s.Status {
		var a Action
		if d.cfg.StatusAuthority == SideRemote {
			a.Kind = KindUnsuspendLocal
			if rs == ServiceStatusSuspended {
				a.Kind = KindSuspendLocal
			}
			a.Reason = fmt.Sprintf("%s on the server, %s in billing; the server leads", rs, s.Status)
			a.Changes = []Change{{Field: FieldStatus, Old: string(s.Status), New: string(rs)}}
		} else {
			a.Kind = KindUnsuspendRemote
			if s.Status == ServiceStatusSuspended {
				a.Kind = KindSuspendRemote
			}
			a.Reason = fmt.Sprintf("%s in billing, %s on the server; billing leads", s.Status, rs)
			a.Changes = []Change{{Field: FieldStatus, Old: string(rs), New: string(s.Status)}}
		}
		a.Remote, a.Local = copyOf(acct), copyOf(s)
		kp.add(a, a.Kind, "")
	}

	if changes := fieldChanges(&d.fields, d.cfg.keyField, s, acct); len(changes) > 0 {
		a := Action{Kind: KindUpdateLocal, Remote: copyOf(acct), Local: copyOf(s), Changes: changes,
			Reason: "the server's details differ from billing"}
		for _, c := range changes {
			if c.Field == FieldPackage {
				a.ProductID, _ = d.cfg.product(c.New)
				if a.ProductID == "" {
					a.Reason += fmt.Sprintf("; package %q has no product yet", c.New)
				}
			}
		}
		kp.add(a, KindUpdateLocal, "")
	}
}

// addDependencies adds one CreateProduct per package and one CreateClient
// per e-mail address that planned actions wait for.
func (d *differ) addDependencies() {
	products := map[string]int{}
	clients := map[string]int{}
	for i := range d.actions {
		if p, ok := d.actions[i].needsProduct(); ok {
			products[p]++
		}
		if c, ok := d.actions[i].needsClient(); ok {
			clients[c]++
		}
	}
	for p, n := range products {
		d.actions = append(d.actions, Action{Kind: KindCreateProduct, Key: p,
			Reason: fmt.Sprintf("no product for this package; %s it", needed(n))})
	}
	for c, n := range clients {
		d.actions = append(d.actions, Action{Kind: KindCreateClient, Key: c,
			Reason: fmt.Sprintf("no client with this e-mail address; %s it", needed(n))})
	}
}

func needed(n int) string {
	if n == 1 {
		return "1 action needs"
	}
	return fmt.Sprintf("%d actions need", n)
}

func sortActions(as []Action) {
	slices.SortFunc(as, func(a, b Action) int {
		if a.Kind != b.Kind {
			return cmp.Compare(a.Kind.rank(), b.Kind.rank())
		}
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Reason, b.Reason))
	})
}

func (d *differ) finish() *Plan {
	sortActions(d.actions)
	sortActions(d.held)
	slices.SortFunc(d.conflicts, func(a, b Conflict) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Reason, b.Reason))
	})
	p := &Plan{
		KeyField:    d.cfg.keyField,
		InSync:      d.inSync,
		Counts:      map[Kind]int{},
		Actions:     []Action{},
		Deferred:    []Action{},
		Held:        d.held,
		Conflicts:   d.conflicts,
		SeenMissing: d.seenOut,
	}
	if p.Held == nil {
		p.Held = []Action{}
	}
	if p.Conflicts == nil {
		p.Conflicts = []Conflict{}
	}
	keep := d.keep()
	if keep == nil {
		p.Actions = d.actions
	} else {
		// One allocation for both lists, each in plan order.
		buf := make([]Action, 0, len(d.actions))
		for i := range d.actions {
			if keep[i] {
				buf = append(buf, d.actions[i])
			}
		}
		n := len(buf)
		for i := range d.actions {
			if !keep[i] {
				buf = append(buf, d.actions[i])
			}
		}
		p.Actions, p.Deferred = buf[:n:n], buf[n:]
	}
	if p.Actions == nil {
		p.Actions = []Action{}
	}
	for i := range d.actions {
		p.Counts[d.actions[i].Kind]++
	}
	return p
}
