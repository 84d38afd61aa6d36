package sync

import "testing"

func TestKindOrder(t *testing.T) {
	for i, k := range Kinds() {
		if k.rank() != i || !k.Valid() {
			t.Errorf("%s: rank %d, want %d", k, k.rank(), i)
		}
		if k.Destructive() != (i >= 10) {
			t.Errorf("%s: Destructive() = %v", k, k.Destructive())
		}
	}
	if Kind("drop-table").Valid() {
		t.Error("an unknown kind is valid")
	}
}
