package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// render is what a golden file holds: the plan as JSON, then as a table.
func render(t *testing.T, p *Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	if err := p.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDiffGolden(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			p, err := Diff(sc.remote, sc.local, sc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, p)
			path := filepath.Join("testdata", sc.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("plan differs from %s (run go test -update and review the diff):\n%s", path, got)
			}
		})
	}
}

func TestDiffIgnoresInputOrder(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			p, err := Diff(sc.remote, sc.local, sc.opts)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(p)
			rng := rand.New(rand.NewPCG(1, uint64(len(sc.name))))
			for i := 0; i < 20; i++ {
				r, l := slices.Clone(sc.remote), slices.Clone(sc.local)
				rng.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
				rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
				opts := sc.opts
				opts.Selection = slices.Clone(opts.Selection)
				rng.Shuffle(len(opts.Selection), func(i, j int) { opts.Selection[i], opts.Selection[j] = opts.Selection[j], opts.Selection[i] })
				q, err := Diff(r, l, opts)
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := json.Marshal(q); !bytes.Equal(got, want) {
					t.Fatalf("shuffle %d gives a different plan:\n got %s\nwant %s", i, got, want)
				}
			}
		})
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			p, err := Diff(sc.remote, sc.local, sc.opts)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(p)
			var back Plan
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			again, _ := json.Marshal(&back)
			if !bytes.Equal(again, data) {
				t.Errorf("a plan read back from JSON marshals differently:\n got %s\nwant %s", again, data)
			}
		})
	}
	t.Run("an unknown kind is refused", func(t *testing.T) {
		var p Plan
		err := json.Unmarshal([]byte(`{"actions":[{"kind":"delete-everything","key":"x"}]}`), &p)
		if err == nil || !strings.Contains(err.Error(), "unknown action kind") {
			t.Fatalf("err = %v, want an unknown kind error", err)
		}
	})
}

// population returns n matched, in-sync pairs.
func population(n int) ([]provider.Account, []Service) {
	var r []provider.Account
	var l []Service
	for i := range n {
		d := fmt.Sprintf("x%d.example", i)
		r = append(r, acct(d, "u", "u@example.net", "silver", "", on))
		l = append(l, svc("p"+d, d, "u", "silver", "", ServiceStatusActive))
	}
	return r, l
}

func TestDiffLimits(t *testing.T) {
	// cancelled returns n services that ended while their accounts remain.
	cancelled := func(n int) ([]provider.Account, []Service) {
		var r []provider.Account
		var l []Service
		for i := range n {
			d := fmt.Sprintf("c%d.example", i)
			r = append(r, acct(d, "u", "u@example.net", "silver", "", on))
			l = append(l, svc("c"+d, d, "u", "silver", "", ServiceStatusCancelled))
		}
		return r, l
	}
	build := func(inSync, ended, remoteOnly, missing int) ([]provider.Account, []Service) {
		r, l := population(inSync)
		cr, cl := cancelled(ended)
		r, l = append(r, cr...), append(l, cl...)
		for i := range remoteOnly {
			d := fmt.Sprintf("n%d.example", i)
			r = append(r, acct(d, "u", "u@example.net", "silver", "", on))
		}
		for i := range missing {
			d := fmt.Sprintf("m%d.example", i)
			l = append(l, svc("m"+d, d, "u", "silver", "", ServiceStatusActive))
		}
		return r, l
	}
	tests := []struct {
		name                         string
		inSync, ended, news, missing int
		opts                         Options
		class                        string // "" when the plan is safe
		count, pop                   int
	}{
		{name: "three terminations in ten keys are within 30%", inSync: 7, ended: 3},
		{name: "four terminations in ten keys are refused", inSync: 6, ended: 4, class: "terminations", count: 4, pop: 10},
		{name: "a population under ten is not judged by fractions", inSync: 1, ended: 8},
		{name: "the absolute cap applies at any population", inSync: 200, ended: 26, class: "terminations", count: 26, pop: 226},
		{name: "a negative cap removes the absolute cap", inSync: 200, ended: 26, opts: Options{Limits: Limits{MaxTerminations: -1}}},
		{name: "a raised fraction admits more", inSync: 5, ended: 5, opts: Options{Limits: Limits{MaxTerminateFraction: 0.5}}},
		{name: "imports are capped when billing's services are missing from the server", inSync: 2, news: 4, missing: 4, class: "imports", count: 4, pop: 10},
		{name: "a fraction of 1 turns the import check off", inSync: 0, news: 12, missing: 2, opts: Options{Limits: Limits{MaxImportFraction: 1}}},
		{name: "deferred actions count toward the limits", inSync: 6, ended: 4, opts: Options{MaxActions: 1}, class: "terminations", count: 4, pop: 10},
		{name: "Force returns an unsafe plan", inSync: 6, ended: 4, opts: Options{Force: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, l := build(tt.inSync, tt.ended, tt.news, tt.missing)
			opts := tt.opts
			opts.TerminateRemote = true
			p, err := Diff(r, l, opts)
			if tt.class == "" {
				if err != nil {
					t.Fatalf("Diff: %v", err)
				}
				if got := p.Counts[KindTerminateRemote] + p.Counts[KindImport]; got != tt.ended+tt.news {
					t.Errorf("planned %d actions, want %d", got, tt.ended+tt.news)
				}
				return
			}
			var unsafe *UnsafePlanError
			if !errors.As(err, &unsafe) {
				t.Fatalf("err = %v, want *UnsafePlanError", err)
			}
			if p != nil {
				t.Error("an unsafe plan must not be returned")
			}
			if unsafe.Class != tt.class || unsafe.Count != tt.count || unsafe.Population != tt.pop || unsafe.Plan == nil {
				t.Errorf("got class %q count %d population %d, want %q %d %d", unsafe.Class, unsafe.Count, unsafe.Population, tt.class, tt.count, tt.pop)
			}
		})
	}
	t.Run("the error says what was exceeded and how to proceed", func(t *testing.T) {
		r, l := build(6, 4, 0, 0)
		_, err := Diff(r, l, Options{TerminateRemote: true})
		want := "sync: unsafe plan: 4 terminations are 40.0% of 10 live keys, over the 30% limit; review the plan and set Force to apply it"
		if err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})
}

func TestDiffFingerprint(t *testing.T) {
	r, l := population(5)
	r = append(r, acct("new.example", "n", "n@example.net", "silver", "", on))
	base := Options{Now: testNow, Products: map[string]string{"silver": "7"}}
	p, err := Diff(r, l, base)
	if err != nil {
		t.Fatal(err)
	}
	fp := func(r []provider.Account, l []Service, o Options) string {
		t.Helper()
		q, err := Diff(r, l, o)
		if err != nil {
			t.Fatal(err)
		}
		return q.Fingerprint
	}
	changed := []struct {
		name  string
		r     []provider.Account
		l     []Service
		opts  Options
		equal bool
	}{
		{name: "the same inputs give the same fingerprint", r: r, l: l, opts: base, equal: true},
		{name: "the limits do not change it", r: r, l: l, opts: func() Options { o := base; o.Limits.MaxImportFraction = 0.9; o.Force = true; return o }(), equal: true},
		{name: "a later time on the same day does not change it", r: r, l: l, opts: func() Options { o := base; o.Now = testNow.Add(time.Hour); return o }(), equal: true},
		{name: "the next day changes it", r: r, l: l, opts: func() Options { o := base; o.Now = testNow.AddDate(0, 0, 1); return o }()},
		{name: "a changed IP changes it", r: func() []provider.Account { c := slices.Clone(r); c[0].PrimaryIP = "192.0.2.1"; return c }(), l: l, opts: base},
		{name: "a changed service status changes it", r: r, l: func() []Service { c := slices.Clone(l); c[2].Status = ServiceStatusSuspended; return c }(), opts: base},
		{name: "a different product map changes it", r: r, l: l, opts: func() Options { o := base; o.Products = map[string]string{"silver": "8"}; return o }()},
		{name: "a termination switch changes it", r: r, l: l, opts: func() Options { o := base; o.TerminateLocal = true; return o }()},
	}
	for _, tt := range changed {
		t.Run(tt.name, func(t *testing.T) {
			if got := fp(tt.r, tt.l, tt.opts); (got == p.Fingerprint) != tt.equal {
				t.Errorf("fingerprint %s vs %s, want equal=%v", got, p.Fingerprint, tt.equal)
			}
		})
	}
	t.Run("an approved fingerprint lets the same plan through", func(t *testing.T) {
		o := base
		o.ExpectFingerprint = strings.ToUpper(p.Fingerprint)
		if _, err := Diff(r, l, o); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an approved fingerprint refuses a changed world", func(t *testing.T) {
		o := base
		o.ExpectFingerprint = p.Fingerprint
		_, err := Diff(r[1:], l, o)
		if !errors.Is(err, ErrStalePlan) {
			t.Fatalf("err = %v, want ErrStalePlan", err)
		}
	})
}

func TestDiffRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"an unknown mode is refused", Options{Mode: Mode(7)}, "unknown mode"},
		{"an unknown status authority is refused", Options{StatusAuthority: Side(3)}, "unknown status authority"},
		{"a negative ConfirmRuns is refused", Options{ConfirmRuns: -1}, "must not be negative"},
		{"an invalid selection key is refused", Options{Selection: []string{"-x.example"}}, "selection: invalid key"},
		{"two client IDs for one address are refused", Options{Clients: map[string]string{"A@x.org": "1", "a@x.org": "2"}}, "two client IDs"},
		{"an empty product ID is refused", Options{Products: map[string]string{"gold": ""}}, "empty product ID"},
		{"two nameserver verdicts for one key are refused", Options{Nameservers: map[string]bool{"A.example": true, "a.example": false}}, "two verdicts"},
		{"a negative seen-missing count is refused", Options{SeenMissing: map[string]int{"a.example": -1}}, "negative count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Diff(nil, nil, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "sync: diff: ") {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDiffFindsProductsRegardlessOfCase(t *testing.T) {
	remote := []provider.Account{acct("a.example", "a", "a@example.net", "Gold", "", on)}
	clients := map[string]string{"a@example.net": "1"}
	tests := []struct {
		name     string
		products map[string]string
		want     string // product ID of the import, "" when a product is created
	}{
		{"an exact entry is used", map[string]string{"Gold": "5", "gold": "6"}, "5"},
		{"an entry differing in case is used", map[string]string{"gold ": "6"}, "6"},
		{"two entries differing in case are not guessed between", map[string]string{"gold": "6", "GOLD": "7"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Diff(remote, nil, Options{Clients: clients, Products: tt.products, Force: true})
			if err != nil {
				t.Fatal(err)
			}
			imp := p.Actions[len(p.Actions)-1]
			if imp.Kind != KindImport || imp.ProductID != tt.want || (tt.want == "") != (p.Counts[KindCreateProduct] == 1) {
				t.Errorf("import product %q with %d create-product, want %q", imp.ProductID, p.Counts[KindCreateProduct], tt.want)
			}
		})
	}
}

func TestDiffRepeatedServiceIDIsAConflict(t *testing.T) {
	remote := []provider.Account{acct("b.example", "b", "b@example.net", "silver", "", on)}
	local := []Service{
		svc("1", "a.example", "a", "silver", "", ServiceStatusActive),
		svc("1", "b.example", "b", "silver", "", ServiceStatusCancelled),
	}
	p, err := Diff(remote, local, Options{TerminateLocal: true, TerminateRemote: true, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions)+len(p.Deferred)+len(p.Held) != 0 {
		t.Errorf("planned %d actions, %d deferred, %d held for records sharing service ID 1, want none: %+v",
			len(p.Actions), len(p.Deferred), len(p.Held), slices.Concat(p.Actions, p.Deferred, p.Held))
	}
	got := map[string]bool{}
	for _, c := range p.Conflicts {
		got[c.Key] = strings.Contains(c.Reason, "service ID 1")
	}
	if !got["a.example"] || !got["b.example"] {
		t.Errorf("conflicts %+v, want a.example and b.example, each naming service ID 1", p.Conflicts)
	}
}

// The import limit catches a server whose known accounts suddenly look
// unknown to billing (a wrong key field, a wrong server), not the first
// import of a server or its import in MaxActions batches.
func TestDiffImportLimit(t *testing.T) {
	// world returns a server with the given accounts known to billing,
	// accounts billing lacks, and live services the server does not list.
	world := func(known, fresh, missing int) ([]provider.Account, []Service) {
		r, l := population(known)
		for i := range fresh {
			d := fmt.Sprintf("new%04d.example", i)
			r = append(r, acct(d, fmt.Sprintf("n%d", i), fmt.Sprintf("n%d@example.net", i), "silver", "", on))
		}
		for i := range missing {
			d := fmt.Sprintf("lost%04d.example", i)
			l = append(l, svc(fmt.Sprint("lost", i), d, "l", "silver", "", ServiceStatusActive))
		}
		return r, l
	}
	opts := func(o Options) Options {
		o.Now = testNow
		o.Products = map[string]string{"silver": "7"}
		return o
	}
	tests := []struct {
		name                  string
		known, fresh, missing int
		opts                  Options
		refused               bool
		imports, deferred     int
		note                  string // a part of Plan.Imports or of the error
	}{
		{name: "the first import of a server billing has never seen is allowed", fresh: 50,
			imports: 50, note: "billing has no live service on this server, so this is its first import"},
		{name: "the next batch of a gradual import is allowed", known: 10, fresh: 990, opts: Options{MaxActions: 10},
			imports: 10, deferred: 980, note: "10 of billing's 10 live services are on the server"},
		{name: "a few services gone beside many new accounts are allowed", known: 90, fresh: 500, missing: 10,
			imports: 500, note: "90 of billing's 100 live services are on the server"},
		{name: "a server whose known accounts look unknown is refused", fresh: 100, missing: 100,
			refused: true, note: "only 0 of billing's 100 live services are on the server"},
		{name: "MaxActions does not get a refused import through", fresh: 100, missing: 100, opts: Options{MaxActions: 5},
			refused: true, note: "only 0 of billing's 100 live services are on the server"},
		{name: "Force applies a held import and the plan says so", fresh: 100, missing: 100, opts: Options{Force: true, TerminateLocal: true},
			imports: 100, note: "(forced)"},
		{name: "imports within the fraction need no reason", known: 80, fresh: 20, imports: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, l := world(tt.known, tt.fresh, tt.missing)
			o := opts(tt.opts)
			o.Limits.MaxExportFraction = 1 // the missing services are exports; this test is about imports
			p, err := Diff(r, l, o)
			var unsafe *UnsafePlanError
			if tt.refused {
				if !errors.As(err, &unsafe) || unsafe.Class != "imports" || !strings.Contains(err.Error(), tt.note) || !strings.Contains(unsafe.Plan.Imports, tt.note) {
					t.Fatalf("err = %v, want an unsafe import plan saying %q", err, tt.note)
				}
				return
			}
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			if p.Counts[KindImport] != tt.imports+tt.deferred || len(p.Deferred) < tt.deferred {
				t.Errorf("%d imports, %d deferred; want %d and %d", p.Counts[KindImport], len(p.Deferred), tt.imports+tt.deferred, tt.deferred)
			}
			if (tt.note == "") != (p.Imports == "") || !strings.Contains(p.Imports, tt.note) {
				t.Errorf("Plan.Imports = %q, want it to say %q", p.Imports, tt.note)
			}
		})
	}
	t.Run("a key field billing does not fill is refused", func(t *testing.T) {
		r, l := world(0, 40, 0)
		for i := range 40 {
			s := svc(fmt.Sprint(i+1), r[i].Domain, "", "silver", "", ServiceStatusActive)
			s.Username = "" // billing keeps no usernames for this server
			l = append(l, s)
		}
		_, err := Diff(r, l, opts(Options{KeyField: "username"}))
		var unsafe *UnsafePlanError
		if !errors.As(err, &unsafe) || unsafe.Class != "imports" || !strings.Contains(err.Error(), "only 0 of billing's 40 live services") {
			t.Fatalf("err = %v, want the imports refused", err)
		}
	})
}

func TestRepeatedIDs(t *testing.T) {
	tests := []struct {
		name string
		ids  []string
		want map[string]int
	}{
		{"distinct numbers repeat nothing", []string{"1", "2", "3"}, nil},
		{"a number held twice is found", []string{"1", "2", "1"}, map[string]int{"1": 2}},
		{"a number held three times is counted", []string{"5", "5", "6", "5"}, map[string]int{"5": 3}},
		{"a leading zero makes another ID", []string{"7", "007", "07"}, nil},
		{"IDs that are not numbers are compared as text", []string{"A1", "a1", "A1", "x"}, map[string]int{"A1": 2}},
		{"numbers past the bitset are compared too", []string{"99999999999", "99999999999", "1"}, map[string]int{"99999999999": 2}},
		{"empty IDs are left to the no-ID rule", []string{"", ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var local []Service
			for _, id := range tt.ids {
				local = append(local, Service{ID: id})
			}
			if got := repeatedIDs(local); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("repeatedIDs(%q) = %v, want %v", tt.ids, got, tt.want)
			}
		})
	}
}
