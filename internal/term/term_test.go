package term

import (
	"os"
	"testing"
)

// A crontab line's stdin is often /dev/null, a character device that is
// no terminal to confirm on.
func TestDevNullIsNotATerminal(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("IsTerminal(/dev/null) = true")
	}
}
