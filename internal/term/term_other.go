//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package term

import "os"

// IsTerminal reports whether f is a terminal, as well as a character
// device says so; /dev/null, also one, is told apart by name.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0 && f.Name() != os.DevNull
}
