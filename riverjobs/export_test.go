package riverjobs

import "time"

// SetWatchInterval sets how often runs check their session, and returns a
// function that restores it.
func SetWatchInterval(d time.Duration) (restore func()) {
	old := watchInterval
	watchInterval = d
	return func() { watchInterval = old }
}
