package sync

import (
	"net/netip"
	"strings"

	"github.com/accountsync/accountsync/provider"
)

// Field names a field of a billing [Service] that a [Change] sets.
type Field string

// The fields a [Change] names: the Service fields the engine compares
// with the server and the Store is asked to write.
const (
	FieldStatus      Field = "status"
	FieldPackage     Field = "package"
	FieldProductID   Field = "productId" // follows a package change
	FieldDomain      Field = "domain"
	FieldUsername    Field = "username"
	FieldDedicatedIP Field = "dedicatedIp"
)

// Change is one field of a billing service before and after an action.
type Change struct {
	Field Field  `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// fieldRule is how the engine treats one field that an account and a
// service share, for Diff (is there drift?) and for the executor (has it
// changed since the plan? write the server's value). Status is not one:
// which side leads on it is a policy (Options.StatusAuthority).
type fieldRule struct {
	field Field
	// account points at the account's value, as the server gives it.
	account func(a *provider.Account) *string
	// trim: billing takes the server's value without surrounding space.
	trim bool
	// billing points at the service's value, to read or write it.
	billing func(s *Service) *string
	// same reports whether two values mean the same thing.
	same func(x, y string) bool
	// keyField is the key field under which this field is the key: then
	// it cannot drift, since records are matched on it.
	keyField string
	// knownInBilling: a service that leaves the field empty does not know
	// it (a product without a package), and that is no drift either.
	knownInBilling bool
}

// fieldRules returns the shared fields in the order a plan lists their
// changes. dom normalises domains.
//
// A value is compared in canonical form, so that case, a trailing dot, IDN
// or IP notation never cause an update, and a field the server leaves
// empty is unknown there, not a change.
func fieldRules(dom normalizer) [4]fieldRule {
	return [4]fieldRule{
		{
			field:          FieldPackage,
			account:        func(a *provider.Account) *string { return &a.Product },
			billing:        func(s *Service) *string { return &s.Package },
			same:           sameFold,
			knownInBilling: true,
		},
		{
			field:    FieldDomain,
			account:  func(a *provider.Account) *string { return &a.Domain },
			trim:     true,
			billing:  func(s *Service) *string { return &s.Domain },
			same:     func(x, y string) bool { return sameKey(dom, x, y) },
			keyField: "domain",
		},
		{
			field:    FieldUsername,
			account:  func(a *provider.Account) *string { return &a.Username },
			trim:     true,
			billing:  func(s *Service) *string { return &s.Username },
			same:     sameFold,
			keyField: "username",
		},
		{
			field:   FieldDedicatedIP,
			account: func(a *provider.Account) *string { return &a.PrimaryIP },
			trim:    true,
			billing: func(s *Service) *string { return &s.DedicatedIP },
			same:    sameIP,
		},
	}
}

// server returns the account's value as billing would take it.
func (r *fieldRule) server(a *provider.Account) string {
	if r.trim {
		return strings.TrimSpace(*r.account(a))
	}
	return *r.account(a)
}

// drift returns the change that brings s's field to the account's value,
// and whether there is one.
func (r *fieldRule) drift(s *Service, a *provider.Account) (Change, bool) {
	old := *r.billing(s)
	if *r.account(a) == old {
		return Change{}, false // the common case, before any trimming
	}
	v := r.server(a)
	if strings.TrimSpace(v) == "" || (r.knownInBilling && strings.TrimSpace(old) == "") || r.same(old, v) {
		return Change{}, false
	}
	return Change{Field: r.field, Old: old, New: v}, true
}

// fieldChanges lists the fields of s that differ from the account, in
// rule order, leaving out the key field.
func fieldChanges(rules *[4]fieldRule, keyField string, s *Service, a *provider.Account) []Change {
	var out []Change
	for i := range rules {
		if r := &rules[i]; r.keyField != keyField {
			if c, ok := r.drift(s, a); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// rule returns the rule of a field, or nil for a field that is not shared.
func rule(rules *[4]fieldRule, f Field) *fieldRule {
	for i := range rules {
		if rules[i].field == f {
			return &rules[i]
		}
	}
	return nil
}

func sameFold(x, y string) bool {
	return strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(y))
}

// sameKey compares two values as keys, or, when either is not a valid
// key, ignoring case and surrounding space.
func sameKey(n normalizer, x, y string) bool {
	if x == y {
		return true
	}
	kx, errx := n.key(x)
	ky, erry := n.key(y)
	if errx != nil || erry != nil {
		return sameFold(x, y)
	}
	return kx == ky
}

// sameIP compares two addresses as addresses (an IPv4-mapped IPv6
// address is its IPv4 address), or as text when either does not parse.
func sameIP(x, y string) bool {
	if x == y {
		return true
	}
	x, y = strings.TrimSpace(x), strings.TrimSpace(y)
	a, erra := netip.ParseAddr(x)
	b, errb := netip.ParseAddr(y)
	if erra != nil || errb != nil {
		return strings.EqualFold(x, y)
	}
	return a.Unmap() == b.Unmap()
}
