package panelfake_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/internal/panelfake"
	"github.com/accountsync/accountsync/provider/providertest"
)

func TestSchedule(t *testing.T) {
	onlyList := func(f providertest.Fault, fn string) bool { return !f.IsWrongShape() || fn == "list" }
	t.Run("FailAfter skips, then fails n requests the fault applies to, then SetFault's fault holds", func(t *testing.T) {
		var x panelfake.Faults
		x.SetFault(providertest.FaultSlow)
		x.FailAfter(providertest.FaultWrongShape, 1, 2)
		var got []string
		for _, fn := range []string{"get", "list", "get", "list", "list", "list"} {
			got = append(got, x.Take(fn, onlyList).String())
		}
		want := "slow slow slow wrong-shape wrong-shape slow"
		if strings.Join(got, " ") != want {
			t.Errorf("faults %v, want %s", got, want)
		}
	})
	t.Run("a sticky fault that does not apply leaves the request alone", func(t *testing.T) {
		var x panelfake.Faults
		x.SetFault(providertest.FaultNullList)
		if f := x.Take("get", onlyList); f != providertest.FaultNone {
			t.Errorf("get got %v", f)
		}
		if f := x.Take("list", onlyList); f != providertest.FaultNullList {
			t.Errorf("list got %v", f)
		}
	})
}

func TestRecord(t *testing.T) {
	var x panelfake.Faults
	r := httptest.NewRequest("POST", "/api?a=1", strings.NewReader("user=alice&password=p%26w"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	x.RecordCalls(r, "one", "two")
	if err := r.ParseForm(); err != nil || r.PostForm.Get("password") != "p&w" {
		t.Fatalf("the handler cannot read the body after recording: %v %v", r.PostForm, err)
	}
	got := x.Requests("two")
	if len(got) != 1 || got[0].Function != "one,two" || got[0].Form.Get("user") != "alice" || got[0].Query.Get("a") != "1" {
		t.Fatalf("Requests(two) = %+v", got)
	}
	if x.Calls("one") != 1 || x.Calls("two") != 1 || len(x.Requests("three")) != 0 || len(x.Requests("")) != 1 {
		t.Errorf("calls one=%d two=%d", x.Calls("one"), x.Calls("two"))
	}
	rec := httptest.NewRecorder()
	if !x.Redirect(rec, providertest.FaultRedirect307) || rec.Code != 307 || rec.Header().Get("Location") == "" {
		t.Errorf("redirect: %d %v", rec.Code, rec.Header())
	}
	if x.Redirect(httptest.NewRecorder(), providertest.FaultHTML) {
		t.Error("FaultHTML answered as a redirect")
	}
}
