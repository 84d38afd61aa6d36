package sync

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
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
	if len(remote) > math.MaxInt32-1 || len(local) > math.MaxInt32-1 {
		return nil, nil, fmt.Errorf("sync: diff: more than %d records on one side", math.MaxInt32-1)
	}
	d := &differ{cfg: cfg, remote: remote, local: local}
	d.index()
	d.classify()
	p := d.finish()
	p.Imports, d.importsHeld = d.judgeImports(p)
	p.Fingerprint = d.fingerprint(p)
	return d, p, nil
}

// judge checks the plan against Options.ExpectFingerprint and, unless
// Options.Force, the limits.
func (d *differ) judge(p *Plan) error {
	if want := strings.TrimSpace(d.cfg.ExpectFingerprint); want != "" && !strings.EqualFold(want, p.Fingerprint) {
		return fmt.Errorf("sync: diff: %w: the inputs now give fingerprint %.12s, not the approved %.12s", ErrStalePlan, p.Fingerprint, want)
	}
	if !d.cfg.Force {
		return d.checkLimits(p)
	}
	return nil
}

// entry is one key with the records holding it. Records of one key are
// chained through differ.rnext and differ.lnext.
type entry struct {
	key    string // normalised; "\x00" + lower-case value for an invalid key
	r, l   int32  // first remote and local record, -1 if none
	nr, nl int32
}

const invalidPrefix = "\x00"

type differ struct {
	cfg    *config
	remote []provider.Account
	local  []Service

	// The index. idx maps a key to its first local record; ronly maps a
	// key found only on the server to its first remote record. Chains are
	// 1-based (0 ends a chain): rhead[i] is the first account of local
	// record i's key, rnext and lnext the next record of the same key.
	// lhead[i] is the first local record of i's key, and lhead and lnext
	// exist only when some key has several local records.
	lkeys        []string
	idx          map[string]int32
	ronly        map[string]int32
	rhead, rnext []int32
	lhead, lnext []int32
	invalid      map[string]string // invalid key -> why
	repeated     map[string]int    // service ID -> count, for IDs held by several services
	liveLocal    int               // live services in the billing listing
	liveFound    int               // live services whose key the server lists

	remoteDigest, localDigest digest

	actions, held []Action
	conflicts     []Conflict
	inSync        int
	population    int
	seenOut       map[string]int
	guard         string // why exports and terminations are held, if they are
	importsHeld   bool   // the imports exceed the limit and billing's services do not vouch for them

	accts arena[provider.Account]
	svcs  arena[Service]
}

// arena hands out pointers to values allocated in chunks, so that a plan
// with many actions costs few allocations.
type arena[T any] struct{ buf []T }

func (a *arena[T]) new(v T) *T {
	if len(a.buf) == cap(a.buf) {
		a.buf = make([]T, 0, min(max(2*cap(a.buf), 16), 1024))
	}
	a.buf = append(a.buf, v)
	return &a.buf[len(a.buf)-1]
}

// keyOf normalises a key value; an invalid one becomes a key of its own,
// prefixed so that it cannot meet a valid key.
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

// index matches the records with two map operations a record, as a bare
// map of keys would: a blind insert per service, then a probe per
// account. Services that share a key show as a map shorter than the
// listing and are chained afterwards.
func (d *differ) index() {
	field := d.cfg.keyField
	d.lkeys = make([]string, len(d.local))
	d.idx = make(map[string]int32, len(d.local))
	for i := range d.local {
		s := &d.local[i]
		if s.Status.live() {
			d.liveLocal++
		}
		k := d.keyOf(s.Identifier(field))
		d.localDigest.add(hashKey(seedLocal, k))
		d.lkeys[i] = k
		d.idx[k] = int32(i)
	}
	d.findRepeatedIDs()
	if len(d.idx) < len(d.local) {
		d.lhead = make([]int32, len(d.local))
		d.lnext = make([]int32, len(d.local))
		for i := len(d.local) - 1; i >= 0; i-- {
			h := d.idx[d.lkeys[i]]
			d.lhead[i] = h
			if h != int32(i) {
				d.lnext[i], d.lnext[h] = d.lnext[h], int32(i)+1
			}
		}
	}
	d.rhead = make([]int32, len(d.local))
	d.rnext = make([]int32, len(d.remote))
	for j := range d.remote {
		a := &d.remote[j]
		k := d.keyOf(a.Identifier(field))
		d.remoteDigest.add(hashKey(seedRemote, k))
		if i, ok := d.idx[k]; ok {
			d.rnext[j], d.rhead[i] = d.rhead[i], int32(j)+1
			continue
		}
		if d.ronly == nil {
			d.ronly = make(map[string]int32)
		}
		d.rnext[j] = d.ronly[k]
		d.ronly[k] = int32(j) + 1
	}
}

// findRepeatedIDs notes the service IDs that more than one service
// holds. Billing gives every service its own ID, so a repeat is a fault of
// the listing (a bad join, a copied row), and acting on either record
// could change the wrong service.
func (d *differ) findRepeatedIDs() {
	ids := make(map[string]int, len(d.local))
	for i := range d.local {
		if id := d.local[i].ID; id != "" {
			ids[id]++
		}
	}
	if len(ids) == len(d.local) {
		return
	}
	for id, n := range ids {
		if n > 1 {
			if d.repeated == nil {
				d.repeated = make(map[string]int)
			}
			d.repeated[id] = n
		}
	}
}

func chainLen(next []int32, first int32) int32 {
	n := int32(0)
	for i := first; i >= 0; i = next[i] - 1 {
		n++
	}
	return n
}

func (d *differ) classify() {
	if len(d.remote) == 0 && d.liveLocal > 0 && !d.cfg.AllowEmpty {
		d.guard = fmt.Sprintf("the server listed no accounts while billing has %d live services; set AllowEmpty if that is right", d.liveLocal)
	}
	d.seenOut = make(map[string]int)
	for i := range d.local {
		if d.lhead != nil && d.lhead[i] != int32(i) {
			continue // not the first service of its key
		}
		e := entry{key: d.lkeys[i], l: int32(i), nl: 1, r: d.rhead[i] - 1}
		if d.lnext != nil {
			e.nl = chainLen(d.lnext, e.l)
		}
		if e.r >= 0 {
			e.nr = chainLen(d.rnext, e.r)
		}
		d.classifyEntry(&e)
	}
	// Map order does not matter: the plan's lists are sorted.
	for k, first := range d.ronly {
		e := entry{key: k, l: -1, r: first - 1}
		e.nr = chainLen(d.rnext, e.r)
		d.classifyEntry(&e)
	}
	d.addDependencies()
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

func (d *differ) classifyEntry(e *entry) {
	if d.invalid != nil && strings.HasPrefix(e.key, invalidPrefix) {
		d.conflict(e, d.invalid[e.key])
		return
	}

	// The common case is one record a side; anything else is examined in
	// sorted order so reasons come out the same for any input order.
	var acct *provider.Account
	var holder *Service
	var ignored []*Service
	openN, endedN := 0, 0
	if e.nr == 1 {
		acct = &d.remote[e.r]
	}
	simple := e.nr <= 1 && e.nl <= 1 && (acct == nil || acct.Status.Valid())
	if simple && e.nl == 1 {
		s := &d.local[e.l]
		simple = s.ID != "" && s.Status.Valid() && d.repeated[s.ID] == 0
		holder = s
	}
	live := false
	if !simple {
		var reasons []string
		if e.nr > 1 {
			reasons = append(reasons, fmt.Sprintf("%d accounts on the server share this key", e.nr))
		}
		for _, a := range d.remoteOf(e) {
			if !a.Status.Valid() {
				reasons = append(reasons, fmt.Sprintf("an account has unknown status %q", a.Status))
			}
		}
		var open, ended []*Service
		locals := d.localOf(e)
		for _, s := range locals {
			if s.Status.live() && e.nr > 0 {
				d.liveFound++
			}
			switch {
			case s.ID == "":
				reasons = append(reasons, "a service has no ID")
			case d.repeated[s.ID] > 0:
				if r := fmt.Sprintf("service ID %s is held by %d services in billing", s.ID, d.repeated[s.ID]); !slices.Contains(reasons, r) {
					reasons = append(reasons, r)
				}
			case !s.Status.Valid():
				reasons = append(reasons, fmt.Sprintf("service %s has unknown status %q", s.ID, s.Status))
			case s.Status.open():
				open = append(open, s)
			default:
				ended = append(ended, s)
			}
		}
		openN, endedN = len(open), len(ended)
		if openN > 1 {
			reasons = append(reasons, fmt.Sprintf("%d open services share this key: %s", openN, labels(open)))
		}
		if openN == 0 && endedN > 1 && e.nr > 0 {
			reasons = append(reasons, fmt.Sprintf("%d ended services share this key and the account is on the server: %s", endedN, labels(ended)))
		}
		for _, s := range append(open, ended...) {
			live = live || s.Status.live()
		}
		if e.nr > 0 || live {
			d.population++
		}
		if len(reasons) > 0 {
			d.conflict(e, strings.Join(reasons, "; "))
			return
		}
		holder = nil
		switch {
		case openN == 1:
			holder, ignored = open[0], ended
		case openN == 0 && endedN == 1:
			holder = ended[0]
		}
	} else {
		live = holder != nil && holder.Status.live()
		if e.nr > 0 || live {
			d.population++
		}
		if e.nr > 0 && live {
			d.liveFound++
		}
	}

	kp := keyPlan{d: d, key: e.key, inScope: d.cfg.selection == nil || d.cfg.selection[e.key]}
	if len(ignored) > 0 {
		kp.note = fmt.Sprintf(" (ignoring ended %s)", labels(ignored))
	}
	switch {
	case acct != nil && holder == nil && endedN == 0:
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

// remoteOf returns the accounts of e, sorted.
func (d *differ) remoteOf(e *entry) []*provider.Account {
	out := make([]*provider.Account, 0, e.nr)
	for i := e.r; i >= 0; i = d.rnext[i] - 1 {
		out = append(out, &d.remote[i])
	}
	slices.SortFunc(out, func(a, b *provider.Account) int {
		return strings.Compare(string(appendAccount(nil, a)), string(appendAccount(nil, b)))
	})
	return out
}

// localOf returns the services of e, sorted.
func (d *differ) localOf(e *entry) []*Service {
	out := make([]*Service, 0, e.nl)
	for i := e.l; i >= 0; {
		out = append(out, &d.local[i])
		if d.lnext == nil {
			break
		}
		i = d.lnext[i] - 1
	}
	slices.SortFunc(out, func(a, b *Service) int {
		return strings.Compare(string(appendService(nil, a)), string(appendService(nil, b)))
	})
	return out
}

func labels(ss []*Service) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.label()
	}
	return strings.Join(parts, ", ")
}

func (d *differ) conflict(e *entry, reason string) {
	c := Conflict{Key: strings.TrimPrefix(e.key, invalidPrefix), Reason: reason}
	for _, a := range d.remoteOf(e) {
		c.Remote = append(c.Remote, *a)
	}
	for _, s := range d.localOf(e) {
		c.Local = append(c.Local, *s)
	}
	d.conflicts = append(d.conflicts, c)
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

func (d *differ) planImport(kp *keyPlan, acct *provider.Account) {
	remote := d.accts.new(*acct)
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
	kp.add(Action{Kind: KindImport, Remote: remote, Local: d.svcs.new(svc), ProductID: pid, Reason: reason,
		ResetPassword: d.cfg.ResetPassword, Emails: d.cfg.Emails}, KindImport, "")
}

func (d *differ) planMissing(kp *keyPlan, s *Service) {
	n := d.seen(kp.key)
	local := d.svcs.new(*s)
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
			kp.add(Action{Kind: KindReview, Remote: d.accts.new(*acct), Local: d.svcs.new(*s),
				Reason: fmt.Sprintf("%s in billing (service %s), but the server reported the account only in part", s.Status, s.ID)}, KindUpdateLocal, "")
		}
		return
	}
	switch s.Status {
	case ServiceStatusPending:
		kp.add(Action{Kind: KindReview, Remote: d.accts.new(*acct), Local: d.svcs.new(*s),
			Reason: fmt.Sprintf("Pending in billing (service %s) but the account already exists on the server", s.ID)}, KindUpdateLocal, "")
		return
	case ServiceStatusTerminated, ServiceStatusCancelled, ServiceStatusFraud:
		hold := ""
		if !d.cfg.TerminateRemote {
			hold = "TerminateRemote is off"
		}
		kp.add(Action{Kind: KindTerminateRemote, Remote: d.accts.new(*acct), Local: d.svcs.new(*s),
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
			a := Action{Kind: KindTerminateRemote, Remote: d.accts.new(*acct), Local: d.svcs.new(*s),
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
		a.Remote, a.Local = d.accts.new(*acct), d.svcs.new(*s)
		kp.add(a, a.Kind, "")
	}

	if changes := fieldChanges(d.cfg, s, acct); len(changes) > 0 {
		a := Action{Kind: KindUpdateLocal, Remote: d.accts.new(*acct), Local: d.svcs.new(*s), Changes: changes,
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

// fieldChanges lists the fields of s that differ from the account, in a
// fixed order. A field the server leaves empty is unknown, not a change,
// and values are compared in canonical form so that case, IDN or IP
// notation never cause an update.
func fieldChanges(cfg *config, s *Service, a *provider.Account) []Change {
	var out []Change
	if a.Product != s.Package {
		if p, q := strings.TrimSpace(s.Package), strings.TrimSpace(a.Product); p != "" && q != "" && !strings.EqualFold(p, q) {
			out = append(out, Change{Field: FieldPackage, Old: s.Package, New: a.Product})
		}
	}
	if cfg.keyField != "domain" && a.Domain != s.Domain && strings.TrimSpace(a.Domain) != "" && !sameKey(cfg.dom, s.Domain, a.Domain) {
		out = append(out, Change{Field: FieldDomain, Old: s.Domain, New: strings.TrimSpace(a.Domain)})
	}
	if cfg.keyField != "username" && a.Username != s.Username {
		if u := strings.TrimSpace(a.Username); u != "" && !strings.EqualFold(strings.TrimSpace(s.Username), u) {
			out = append(out, Change{Field: FieldUsername, Old: s.Username, New: u})
		}
	}
	if a.PrimaryIP != s.DedicatedIP && strings.TrimSpace(a.PrimaryIP) != "" && !sameIP(s.DedicatedIP, a.PrimaryIP) {
		out = append(out, Change{Field: FieldDedicatedIP, Old: s.DedicatedIP, New: strings.TrimSpace(a.PrimaryIP)})
	}
	return out
}

func sameKey(n normalizer, a, b string) bool {
	if a == b {
		return true
	}
	ka, erra := n.key(a)
	kb, errb := n.key(b)
	if erra != nil || errb != nil {
		return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
	}
	return ka == kb
}

func sameIP(a, b string) bool {
	if a == b {
		return true
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	x, errx := netip.ParseAddr(a)
	y, erry := netip.ParseAddr(b)
	if errx != nil || erry != nil {
		return strings.EqualFold(a, b)
	}
	return x.Unmap() == y.Unmap()
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

// keep marks the sorted actions that fit Options.MaxActions, or returns
// nil when there is no cap. Reviews are always kept, and a CreateProduct or
// CreateClient is kept exactly when a kept action needs it.
func (d *differ) keep() []bool {
	max := d.cfg.MaxActions
	if max <= 0 {
		return nil
	}
	keep := make([]bool, len(d.actions))
	products, clients := map[string]bool{}, map[string]bool{}
	work := 0
	for i := range d.actions {
		a := &d.actions[i]
		switch a.Kind {
		case KindReview:
			keep[i] = true
		case KindCreateProduct, KindCreateClient:
		default:
			if work < max {
				keep[i] = true
				work++
				if p, ok := a.needsProduct(); ok {
					products[p] = true
				}
				if c, ok := a.needsClient(); ok {
					clients[c] = true
				}
			}
		}
	}
	for i := range d.actions {
		switch a := &d.actions[i]; a.Kind {
		case KindCreateProduct:
			keep[i] = products[a.Key]
		case KindCreateClient:
			keep[i] = clients[a.Key]
		}
	}
	return keep
}

// judgeImports decides whether the imports may exceed
// Limits.MaxImportFraction of the population, and says why in a sentence
// for Plan.Imports ("" when they are within it).
//
// The import limit is there for a server whose known accounts suddenly
// look unknown to billing: a wrong key field or a wrong server gives a
// billing listing whose services the server does not list, beside a
// server listing whose accounts billing does not know, and importing them
// would give every customer a second service. A server billing has never
// seen, or one imported in MaxActions batches, has the second half of that
// picture but not the first: the services billing holds for it are on it.
// So imports beyond the fraction are allowed when billing has no live
// service for the server (a first import), or when no more than
// MaxImportFraction of its live services are missing from the server; and
// refused otherwise. What the rule cannot see is a billing listing cut
// short: a Store must return an error rather than part of a listing.
func (d *differ) judgeImports(p *Plan) (note string, held bool) {
	l := d.cfg.limits
	n := p.Counts[KindImport]
	if d.population < l.MinPopulation || d.population == 0 || float64(n) <= l.MaxImportFraction*float64(d.population) {
		return "", false
	}
	known, found := d.liveLocal, d.liveFound
	switch {
	case known == 0:
		return fmt.Sprintf("%d imports are not limited: billing has no live service on this server, so this is its first import", n), false
	case float64(known-found) <= l.MaxImportFraction*float64(known):
		return fmt.Sprintf("%d imports are not limited: %d of billing's %d live services are on the server, so the accounts billing lacks are new to it", n, found, known), false
	}
	note = fmt.Sprintf("%d imports are held: only %d of billing's %d live services are on the server, so the accounts billing lacks may be ones it knows under another key; check the key field and the server", n, found, known)
	if d.cfg.Force {
		note += " (forced)"
	}
	return note, true
}

func (d *differ) checkLimits(p *Plan) error {
	l := d.cfg.limits
	classes := []struct {
		name  string
		count int
		max   float64
	}{
		{"terminations", p.Counts[KindTerminateLocal] + p.Counts[KindTerminateRemote], l.MaxTerminateFraction},
		{"imports", p.Counts[KindImport], l.MaxImportFraction},
		{"exports", p.Counts[KindExport], l.MaxExportFraction},
		{"updates", p.Counts[KindUpdateLocal] + p.Counts[KindSuspendLocal] + p.Counts[KindUnsuspendLocal] +
			p.Counts[KindSuspendRemote] + p.Counts[KindUnsuspendRemote], l.MaxUpdateFraction},
	}
	for i, c := range classes {
		if i == 0 && l.MaxTerminations >= 0 && c.count > l.MaxTerminations {
			return &UnsafePlanError{Class: c.name, Count: c.count, Population: d.population, MaxCount: l.MaxTerminations, Plan: p}
		}
		if c.name == "imports" {
			if d.importsHeld {
				return &UnsafePlanError{Class: c.name, Count: c.count, Population: d.population, MaxFraction: c.max, Detail: p.Imports, Plan: p}
			}
			continue // within the fraction, or allowed past it (judgeImports)
		}
		if d.population >= l.MinPopulation && d.population > 0 && float64(c.count) > c.max*float64(d.population) {
			return &UnsafePlanError{Class: c.name, Count: c.count, Population: d.population, MaxFraction: c.max, Plan: p}
		}
	}
	return nil
}
