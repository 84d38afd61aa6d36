package sync

import (
	"time"

	"github.com/accountsync/accountsync/provider"
)

// Fixtures shared by the golden, shuffle, fuzz and executor tests.

var testNow = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func acct(domain, user, email, pkg, ip string, st provider.Status) provider.Account {
	return provider.Account{
		Email: email, Username: user, Domain: domain, UniqueIdentifier: domain, Product: pkg, PrimaryIP: ip,
		Created: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), Status: st,
	}
}

func svc(id, domain, user, pkg, ip string, st ServiceStatus) Service {
	return Service{
		ID: id, ClientID: "c" + id, ClientEmail: user + "@example.net", ProductID: "p-" + pkg, Package: pkg,
		Domain: domain, Username: user, UniqueIdentifier: domain, Status: st, DedicatedIP: ip,
		RegDate:     time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC),
		NextDueDate: time.Date(2026, 5, 6, 0, 0, 0, 0, time.UTC), BillingCycle: "Monthly",
	}
}

const (
	on  = provider.StatusActive
	off = provider.StatusSuspended
)

type scenario struct {
	name   string
	remote []provider.Account
	local  []Service
	opts   Options
}

// scenarios are the cases of the issue, one golden file each.
func scenarios() []scenario {
	matched := func() ([]provider.Account, []Service) {
		return []provider.Account{acct("same.example", "same", "same@example.net", "silver", "192.0.2.10", on)},
			[]Service{svc("100", "same.example", "same", "silver", "192.0.2.10", ServiceStatusActive)}
	}
	withMatched := func(r []provider.Account, l []Service) ([]provider.Account, []Service) {
		mr, ml := matched()
		return append(r, mr...), append(l, ml...)
	}
	var out []scenario
	add := func(name string, r []provider.Account, l []Service, o Options) {
		if o.Now.IsZero() {
			o.Now = testNow
		}
		o.Force = true // limits have their own tests; goldens show plans
		out = append(out, scenario{name, r, l, o})
	}

	r, l := withMatched([]provider.Account{
		acct("new-client.example", "nc", "New@Example.org", "gold", "192.0.2.1", on),
		acct("same-new-client.example", "snc", "new@example.org", "silver", "192.0.2.2", off),
		acct("known-client.example", "kc", "known@example.net", "silver", "192.0.2.3", on),
		acct("no-email.example", "ne", "", "silver", "192.0.2.4", on),
		acct("bad-email.example", "be", "not-an-address", "silver", "192.0.2.5", on),
		acct("no-package.example", "np", "np@example.net", "", "192.0.2.6", on),
	}, nil)
	add("import-creates-clients-and-products-once", r, l, Options{
		Clients: map[string]string{"Known@Example.net": "10"}, Products: map[string]string{"silver": "7"},
		Billing: Billing{Cycle: "Annually", NextDueInDays: 14}, ResetPassword: true, Emails: Emails{Welcome: true},
	})
	r, l = withMatched([]provider.Account{acct("free.example", "fr", "fr@example.net", "", "", on)}, nil)
	add("import-free-accounts-with-a-default-product", r, l, Options{
		Clients: map[string]string{"fr@example.net": "11"}, Products: map[string]string{"": "9"},
		Billing: Billing{Free: true, Cycle: "Annually"},
	})

	missing := []Service{
		svc("1", "active.example", "act", "silver", "", ServiceStatusActive),
		svc("2", "suspended.example", "sus", "silver", "", ServiceStatusSuspended),
		svc("3", "nopkg.example", "nop", "", "", ServiceStatusActive),
		svc("4", "pending.example", "pen", "silver", "", ServiceStatusPending),
		svc("5", "terminated.example", "ter", "silver", "", ServiceStatusTerminated),
	}
	r, l = withMatched(nil, missing)
	add("export-live-services-when-terminate-local-is-off", r, l, Options{})
	add("terminate-local-live-services-when-switched-on", r, l, Options{TerminateLocal: true})
	add("terminate-local-waits-for-confirmation", r, l, Options{TerminateLocal: true, ConfirmRuns: 3,
		SeenMissing: map[string]int{"Active.Example": 2, "suspended.example": 0, "back.example": 5}})

	drift := func() ([]provider.Account, []Service) {
		return withMatched([]provider.Account{
			acct("a.example", "a", "a@example.net", "silver", "", off),
			acct("b.example", "b", "b@example.net", "silver", "", on),
		}, []Service{
			svc("1", "a.example", "a", "silver", "", ServiceStatusActive),
			svc("2", "b.example", "b", "silver", "", ServiceStatusSuspended),
		})
	}
	r, l = drift()
	add("status-drift-follows-the-server", r, l, Options{})
	add("status-drift-follows-billing", r, l, Options{StatusAuthority: SideLocal})

	r, l = withMatched([]provider.Account{
		acct("pkg-mapped.example", "pm", "pm@example.net", "gold", "", on),
		acct("pkg-unmapped.example", "pu", "pu@example.net", "platinum", "", on),
		acct("ip.example", "ip", "ip@example.net", "silver", "192.0.2.99", on),
		acct("ip-notation.example", "ipn", "ipn@example.net", "silver", "2001:db8::1", on),
		acct("user-case.example", "UserCase", "uc@example.net", "SILVER", "", on),
		acct("user.example", "newname", "u@example.net", "silver", "", on),
	}, []Service{
		svc("1", "pkg-mapped.example", "pm", "silver", "", ServiceStatusActive),
		svc("2", "pkg-unmapped.example", "pu", "silver", "", ServiceStatusActive),
		svc("3", "ip.example", "ip", "silver", "192.0.2.1", ServiceStatusActive),
		svc("4", "ip-notation.example", "ipn", "silver", "2001:0db8:0:0::1", ServiceStatusActive),
		svc("5", "user-case.example", "usercase", "silver", "", ServiceStatusActive),
		svc("6", "user.example", "oldname", "silver", "", ServiceStatusSuspended),
	})
	add("field-drift-updates-billing", r, l, Options{Products: map[string]string{"gold": "8"}})

	ended := func() ([]provider.Account, []Service) {
		return withMatched([]provider.Account{
			acct("cancelled.example", "ca", "ca@example.net", "silver", "", on),
			acct("terminated.example", "te", "te@example.net", "silver", "", off),
			acct("fraud.example", "fr", "fr@example.net", "silver", "", on),
			acct("completed.example", "co", "co@example.net", "silver", "", on),
			acct("pending.example", "pe", "pe@example.net", "silver", "", on),
		}, []Service{
			svc("1", "cancelled.example", "ca", "silver", "", ServiceStatusCancelled),
			svc("2", "terminated.example", "te", "silver", "", ServiceStatusTerminated),
			svc("3", "fraud.example", "fr", "silver", "", ServiceStatusFraud),
			svc("4", "completed.example", "co", "silver", "", ServiceStatusCompleted),
			svc("5", "pending.example", "pe", "silver", "", ServiceStatusPending),
		})
	}
	r, l = ended()
	add("ended-services-terminate-their-accounts-when-switched-on", r, l, Options{TerminateRemote: true})
	add("ended-services-are-held-when-terminate-remote-is-off", r, l, Options{})

	r, l = withMatched([]provider.Account{
		acct("dup-remote.example", "d1", "d1@example.net", "silver", "", on),
		acct("DUP-REMOTE.example.", "d2", "d2@example.net", "silver", "", on),
		acct("bad-status.example", "bs", "bs@example.net", "silver", "", provider.Status("Terminated")),
		acct("", "empty", "empty@example.net", "silver", "", on),
		acct("-bad.example", "bad", "bad@example.net", "silver", "", on),
		acct("two-ended.example", "te", "te@example.net", "silver", "", on),
		acct("two-open.example", "to", "to@example.net", "silver", "", on),
	}, []Service{
		svc("1", "bad-status.example", "bs", "silver", "", ServiceStatusActive),
		svc("2", "two-open.example", "to", "silver", "", ServiceStatusActive),
		svc("3", "two-open.example", "to", "silver", "", ServiceStatusPending),
		svc("4", "two-ended.example", "te", "silver", "", ServiceStatusCancelled),
		svc("5", "two-ended.example", "te", "silver", "", ServiceStatusTerminated),
		svc("6", "odd-status.example", "os", "silver", "", ServiceStatus("Pending Transfer")),
		svc("", "no-id.example", "ni", "silver", "", ServiceStatusActive),
		svc("8", "exa mple.com", "sp", "silver", "", ServiceStatusActive),
	})
	add("conflicts-are-reported-and-not-acted-on", r, l, Options{TerminateLocal: true, TerminateRemote: true})

	// Billing must give every service its own ID: two rows with one ID are
	// a store fault (a bad join, a copied row), and acting on either could
	// terminate the wrong thing.
	r, l = withMatched([]provider.Account{
		acct("cancelled-twin.example", "ct", "ct@example.net", "silver", "", on),
		acct("tripled.example", "tr", "tr@example.net", "silver", "", on),
	}, []Service{
		svc("1", "live-twin.example", "lt", "silver", "", ServiceStatusActive),
		svc("1", "cancelled-twin.example", "ct", "silver", "", ServiceStatusCancelled),
		svc("2", "tripled.example", "tr", "silver", "", ServiceStatusActive),
		svc("2", "tripled.example", "tr", "silver", "", ServiceStatusActive),
		svc("2", "elsewhere.example", "el", "silver", "", ServiceStatusSuspended),
	})
	add("a-repeated-service-id-is-a-conflict", r, l, Options{TerminateLocal: true, TerminateRemote: true})

	r, l = withMatched([]provider.Account{acct("reordered.example", "ro", "ro@example.net", "silver", "", off)},
		[]Service{
			svc("1", "reordered.example", "ro", "silver", "", ServiceStatusTerminated),
			svc("2", "reordered.example", "ro", "silver", "", ServiceStatusActive),
		})
	add("an-ended-service-beside-an-open-one-is-ignored", r, l, Options{TerminateRemote: true})

	r, l = withMatched([]provider.Account{
		acct("Example.COM.", "ex", "ex@example.net", "silver", "", on),
		acct("bücher.de", "bu", "bu@example.net", "silver", "", on),
		acct("xn--strae-oqa.de", "st", "st@example.net", "silver", "", on),
	}, []Service{
		svc("1", "example.com", "ex", "silver", "", ServiceStatusActive),
		svc("2", "xn--bcher-kva.de", "bu", "silver", "", ServiceStatusActive),
		svc("3", "STRASSE.de", "st", "silver", "", ServiceStatusActive),
		svc("4", "straße.de", "st", "silver", "", ServiceStatusActive),
	})
	add("keys-match-across-case-dots-and-idna", r, l, Options{})

	add("an-empty-server-listing-holds-exports-and-terminations", nil, missing, Options{TerminateLocal: true,
		SeenMissing: map[string]int{"active.example": 1}})
	add("an-empty-server-listing-is-trusted-with-allow-empty", nil, missing, Options{AllowEmpty: true})

	r, l = withMatched([]provider.Account{
		acct("i1.example", "i1", "x@example.org", "gold", "", on),
		acct("i2.example", "i2", "y@example.org", "gold", "", on),
		acct("i3.example", "i3", "z@example.org", "platinum", "", on),
		acct("noemail.example", "n", "", "gold", "", on),
		acct("sus.example", "s", "s@example.net", "silver", "", off),
		acct("gone.example", "g", "g@example.net", "silver", "", on),
	}, []Service{
		svc("1", "sus.example", "s", "silver", "", ServiceStatusActive),
		svc("2", "gone.example", "g", "silver", "", ServiceStatusCancelled),
		svc("3", "lost.example", "l", "silver", "", ServiceStatusActive),
	})
	add("max-actions-defers-the-rest-in-plan-order", r, l, Options{MaxActions: 2, TerminateRemote: true})
	add("import-only-plans-imports-and-what-they-need", r, l, Options{Mode: ModeImportOnly, TerminateRemote: true})
	add("export-only-plans-exports", r, l, Options{Mode: ModeExportOnly, TerminateRemote: true})
	add("a-selection-limits-the-run", r, l, Options{Selection: []string{"I3.example", "gone.example."}, TerminateRemote: true})

	r, l = withMatched([]provider.Account{
		acct("ns-bad.example", "a", "a@example.net", "silver", "", on),
		acct("ns-good.example", "b", "b@example.net", "silver", "", on),
		acct("ns-new.example", "c", "c@example.net", "silver", "", off),
	}, []Service{
		svc("1", "ns-bad.example", "a", "silver", "", ServiceStatusActive),
		svc("2", "ns-good.example", "b", "silver", "", ServiceStatusActive),
		svc("3", "ns-new.example", "c", "silver", "", ServiceStatusActive),
	})
	add("incorrect-nameservers-terminate-after-confirmation", r, l, Options{
		TerminateRemote: true, TerminateIncorrectNameservers: true, ConfirmRuns: 2,
		Nameservers: map[string]bool{"ns-bad.example": false, "NS-GOOD.example": true, "ns-new.example": false},
		SeenMissing: map[string]int{"ns-bad.example": 1},
	})

	r, l = withMatched([]provider.Account{
		acct("moved.example", "mover", "m@example.net", "silver", "", on),
		acct("only-remote.example", "Remote1", "r@example.net", "silver", "", on),
	}, []Service{
		svc("1", "old-home.example", "MOVER", "silver", "", ServiceStatusActive),
	})
	add("keyed-by-username", r, l, Options{KeyField: "username", Clients: map[string]string{"r@example.net": "12"}, Products: map[string]string{"silver": "7"}})

	vm := func(id, user string, st provider.Status) provider.Account {
		a := acct(user+".example", user, user+"@example.net", "vps-small", "198.51.100.1", st)
		a.UniqueIdentifier = id
		return a
	}
	vs := func(sid, id, user string, st ServiceStatus) Service {
		s := svc(sid, user+".example", user, "vps-small", "198.51.100.1", st)
		s.UniqueIdentifier = id
		return s
	}
	add("keyed-by-a-custom-field", []provider.Account{vm("node1--100", "vm1", on), vm("node1--101", "vm2", off)},
		[]Service{vs("1", "NODE1--100", "vm1", ServiceStatusActive), vs("2", "node1--101", "vm2", ServiceStatusActive), vs("3", "", "vm3", ServiceStatusActive)},
		Options{KeyField: "customfield.VM ID"})

	// A server in an unreachable cloud cell is listed with its id only.
	partial := func(id string) provider.Account {
		return provider.Account{UniqueIdentifier: id, Created: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
			Status: on, Extra: map[string]string{provider.ExtraPartial: "true"}}
	}
	add("partial-records-are-known-to-exist-and-nothing-more",
		[]provider.Account{partial("node1--100"), partial("node1--101"), partial("node1--102")},
		[]Service{vs("1", "node1--100", "vm1", ServiceStatusSuspended), vs("2", "node1--101", "vm2", ServiceStatusCancelled)},
		Options{KeyField: "customfield.VM ID", TerminateRemote: true, TerminateLocal: true})
	return out
}
