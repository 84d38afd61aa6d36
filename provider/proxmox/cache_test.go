package proxmox

import (
	"testing"
	"time"
)

func TestSameRun(t *testing.T) {
	t0 := time.Now()
	slack := statusSlack + time.Second
	running := func(at time.Time, uptime time.Duration) sighting {
		return sighting{at: at, running: true, uptime: uptime, slack: slack}
	}
	day, hour := 24*time.Hour, time.Hour
	tests := []struct {
		name string
		a, b sighting
		want bool
	}{
		{"a guest up for a day and an hour more an hour later is the same run",
			running(t0, day), running(t0.Add(hour), day+hour), true},
		{"an uptime that lags by a few minutes of status broadcast is still the same run",
			running(t0, day), running(t0.Add(hour), day+hour-4*time.Minute), true},
		{"an uptime that restarted is another run",
			running(t0, day), running(t0.Add(hour), 30*time.Minute), false},
		{"a run that began after the first sighting is another run, however long it lasts",
			running(t0, day), running(t0.Add(3*day), 2*day), false},
		{"a guest stopped at the first sighting cannot be told apart",
			sighting{at: t0, slack: slack}, running(t0.Add(hour), day), false},
		{"a guest stopped now is not running the same run",
			running(t0, day), sighting{at: t0.Add(hour), slack: slack}, false},
		{"a run too young at the first sighting cannot be told from a successor",
			running(t0, 15*time.Minute), running(t0.Add(hour), hour+15*time.Minute), false},
		{"a run as old as both slacks can",
			running(t0, 2*slack), running(t0.Add(hour), hour+2*slack), true},
		{"a sighting from before the cached one proves nothing",
			running(t0, day), running(t0.Add(-hour), day-hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameRun(tt.a, tt.b); got != tt.want {
				t.Errorf("sameRun = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestSameRunIsNeverFooledByASuccessor checks the argument behind
// sameRun: whatever the staleness of either answer (up to its slack), a
// run that began after the guest was seen running cannot pass for the
// one seen.
func TestSameRunIsNeverFooledByASuccessor(t *testing.T) {
	t0 := time.Now()
	slack := statusSlack
	for _, upA := range []time.Duration{0, time.Minute, 10 * time.Minute, 20 * time.Minute, time.Hour, 24 * time.Hour} {
		for _, staleA := range []time.Duration{0, time.Minute, slack} {
			// The first run was alive when its status was sampled, at
			// t0-staleA; the next run starts after that.
			for _, startGap := range []time.Duration{time.Second, time.Minute, 10 * time.Minute, time.Hour} {
				start2 := t0.Add(-staleA).Add(startGap)
				for _, elapsed := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour} {
					tb := t0.Add(startGap + elapsed)
					for _, staleB := range []time.Duration{0, slack} {
						upB := tb.Add(-staleB).Sub(start2)
						if upB <= 0 {
							continue
						}
						a := sighting{at: t0, running: true, uptime: upA, slack: slack}
						b := sighting{at: tb, running: true, uptime: upB, slack: slack}
						if sameRun(a, b) {
							t.Errorf("uptime %v (stale %v), then a run started %v later seen %v on (stale %v): taken for the same run",
								upA, staleA, startGap, elapsed, staleB)
						}
					}
				}
			}
		}
	}
}

func TestTagsInResources(t *testing.T) {
	tests := []struct {
		name string
		v    pveVersion
		want bool
		err  bool
	}{
		{"8.2 lists tags", pveVersion{Version: "8.2.4", Release: "8.2"}, true, false},
		{"7.3 lists tags", pveVersion{Version: "7.3-3", Release: "7.3"}, true, false},
		{"7.2 does not", pveVersion{Version: "7.2-11", Release: "7.2"}, false, false},
		{"6.4 does not", pveVersion{Version: "6.4-13", Release: "6.4"}, false, false},
		{"a version without a release is read from the version", pveVersion{Version: "7.4-17"}, true, false},
		{"a version that is no version is an error", pveVersion{Version: "unknown"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.v.tagsInResources()
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("tagsInResources = %t, %v; want %t, error %t", got, err, tt.want, tt.err)
			}
		})
	}
}
