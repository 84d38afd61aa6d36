package proxmox

import (
	"sync"
	"time"
)

// The listing reads a guest's configuration only for what GET
// /cluster/resources lacks (creation time, cloud-init user, static
// address, and the hostname of a container listed as "CT<vmid>"), and keeps
// what it read for the next listing of the same Client. The question is
// when a cached value still belongs to the guest now listed under that VM
// ID: IDs are reused once a guest is destroyed, and nothing in
// /cluster/resources names a guest's creation.
//
// What it does show is each running guest's uptime, from the status its
// node broadcasts every few seconds. A guest must be stopped to be
// destroyed (qemu-server: "VM 105 is running - destroy failed";
// pve-container: "unable to destroy CT 105 - container is running"), and a
// stop resets its uptime. So when the guest was running when its
// configuration was read and is running now, with an uptime that has grown
// by the time that passed, it has not stopped in between: it is the same
// guest, and its creation time is the one read. Any other case (stopped
// then or now, restarted, migrated, a new guest under the ID) reads the
// configuration again. The uptime arrives late by at most the age of the
// node's broadcast, which pmxcfs drops after five minutes (pve-cluster,
// src/pmxcfs/status.c, rrd_entry_is_old), plus the time the status daemon
// took to collect it; statusSlack covers both with room to spare.
//
// The creation time never changes while the guest exists. The cloud-init
// user, the addresses and a container's hostname can be edited while it
// runs, without anything in /cluster/resources telling, so they are kept
// at most Config.CacheMaxAge; each entry's age limit is spread over the
// second half of that span, so that a fleet read at once is not read again
// all at once.

// statusSlack bounds how old the status in /cluster/resources may be:
// pmxcfs drops a node's broadcast after five minutes; the rest is room
// for a slow status daemon and rounding.
const statusSlack = 10 * time.Minute

// sighting is what one listing saw of a guest's power state: whether it
// ran and for how long, as of the listing's answer, and how stale that
// answer may be.
type sighting struct {
	at      time.Time     // when the answer arrived (with a monotonic reading)
	running bool          // status "running"
	uptime  time.Duration // as the answer says; zero when stopped
	slack   time.Duration // statusSlack plus how long the request took
}

// started estimates when the guest's current run began. It is no earlier
// than the real start and no later than it by more than slack.
func (s sighting) started() time.Time { return s.at.Add(-s.uptime) }

// sameRun reports whether b shows the very run a showed: the guest ran at
// both, and the start times agree within the staleness of both answers.
// It is false when that cannot be told: a run too young at a to rule out
// that it ended and another began right after a (which needs an uptime at
// a of at least both slacks).
func sameRun(a, b sighting) bool {
	if !a.running || !b.running || !b.at.After(a.at) {
		return false
	}
	tol := max(a.slack, b.slack)
	if a.uptime < a.slack+tol {
		return false
	}
	d := b.started().Sub(a.started())
	return d <= tol && d >= -tol
}

// cached is what a listing read from one guest's configuration, with the
// sighting it was read under.
type cached struct {
	typ     string // qemu | lxc
	seen    sighting
	expires time.Time // the cloud-init user, addresses and hostname
	detail  detail
}

// guestCache holds the configuration values of the guests of one cluster,
// by VM ID. It is safe for concurrent use.
type guestCache struct {
	maxAge time.Duration // <0: nothing is cached

	mu      sync.Mutex
	entries map[int]cached
}

// get returns the cached detail of a guest sighted as now, when it is
// still the same run of the same guest and its mutable values are young
// enough.
func (gc *guestCache) get(vmid int, typ string, now sighting) (detail, bool) {
	if gc.maxAge < 0 {
		return detail{}, false
	}
	gc.mu.Lock()
	e, ok := gc.entries[vmid]
	gc.mu.Unlock()
	if !ok || e.typ != typ || !now.at.Before(e.expires) || !sameRun(e.seen, now) {
		return detail{}, false
	}
	return e.detail, true
}

// put keeps what was read from a guest's configuration under the sighting
// of the listing that read it. Only a running guest's values can be told
// apart from a successor's later, so only those are kept.
func (gc *guestCache) put(vmid int, typ string, seen sighting, d detail) {
	if gc.maxAge < 0 || !seen.running {
		return
	}
	// Spread the age limits over [maxAge/2, maxAge] by VM ID (Knuth's
	// multiplicative hash), so that refreshes are spread too.
	h := uint32(vmid) * 2654435761
	spread := time.Duration(float64(h) / (1 << 32) * float64(gc.maxAge/2))
	d.tags = "" // always read fresh
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if gc.entries == nil {
		gc.entries = map[int]cached{}
	}
	gc.entries[vmid] = cached{typ: typ, seen: seen, expires: seen.at.Add(gc.maxAge/2 + spread), detail: d}
}

// forget drops a guest's entry.
func (gc *guestCache) forget(vmid int) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	delete(gc.entries, vmid)
}

// keepOnly drops the entries of guests a complete listing no longer
// shows, so that the cache stays the size of the cluster.
func (gc *guestCache) keepOnly(listed map[int]string) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	for id := range gc.entries {
		if _, ok := listed[id]; !ok {
			delete(gc.entries, id)
		}
	}
}
