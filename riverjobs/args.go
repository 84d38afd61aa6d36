package riverjobs

import (
	"hash/fnv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// KindSyncServer is the River kind of a server's sync job. It is stored
// in every job row and must not change.
const KindSyncServer = "accountsync_sync_server"

// SyncArgs are the arguments of a server's sync job: the server's name
// only, since credentials stay in [Config.Servers] and out of the
// database. Jobs are unique by these arguments (River's UniqueOpts.ByArgs
// over the fields tagged river:"unique") within a period, in every state
// but discarded, so one server has at most one job per period, and a
// refused plan is not run again within its period.
type SyncArgs struct {
	// Server is provider.Server.Name.
	Server string `json:"server" river:"unique"`
	// Approve, when set, is the Fingerprint of a plan a person reviewed:
	// the run applies that plan even over the safety limits, or refuses
	// with acsync.ErrStalePlan if the plan made now differs. See
	// [Client.Approve].
	Approve string `json:"approve,omitempty" river:"unique"`
}

// Kind returns [KindSyncServer].
func (SyncArgs) Kind() string { return KindSyncServer }

// uniqueStates are River's default unique states plus cancelled: a job
// cancelled because its plan was refused keeps the period taken, so that
// an enqueue later in the period does not run the refused plan again.
// Discarded jobs (out of attempts) free it.
func uniqueStates() []rivertype.JobState {
	return append(rivertype.UniqueOptsByStateDefault(), rivertype.JobStateCancelled)
}

// periodOpts are the insert options of the job of the period holding
// slot. A slot that has passed in the current period is left out, since
// River stores a job given any time as scheduled, for its scheduler to
// make available within seconds, and one given none as available at
// once; the period is the same either way.
func (c *Config) periodOpts(slot, now time.Time) *river.InsertOpts {
	p := c.period()
	if !slot.After(now) && slot.Truncate(p).Equal(now.Truncate(p)) {
		slot = time.Time{}
	}
	return &river.InsertOpts{
		Queue:       c.queue(),
		MaxAttempts: c.MaxAttempts,
		ScheduledAt: slot,
		UniqueOpts: river.UniqueOpts{
			ByArgs:   true,
			ByPeriod: c.period(),
			ByState:  uniqueStates(),
		},
	}
}

// Offset returns the server's fixed offset within each period: a hash of
// its name, so that every process computes the same one and a fleet's
// syncs are spread evenly over the period. It is a whole number of
// milliseconds (for periods of a millisecond or more), so that it survives
// PostgreSQL's microsecond timestamps.
func Offset(server string, period time.Duration) time.Duration {
	if period <= 0 {
		return 0
	}
	unit := time.Millisecond
	if period < unit {
		unit = 1
	}
	h := fnv.New64a()
	h.Write([]byte(server))
	return time.Duration(h.Sum64()%uint64(period/unit)) * unit
}

// Schedule is a server's place in time: once per Period, Offset after the
// period's start. Periods are counted from the zero time, as River counts
// the periods of unique jobs, so a period that divides a day starts at UTC
// midnight. It implements river.PeriodicSchedule.
type Schedule struct {
	Period, Offset time.Duration
}

// ScheduleOf returns the schedule of a server.
func ScheduleOf(server string, period time.Duration) Schedule {
	return Schedule{Period: period, Offset: Offset(server, period)}
}

// Next returns the first slot strictly after t.
func (s Schedule) Next(t time.Time) time.Time {
	n := s.slot(t)
	if !n.After(t) {
		n = n.Add(s.Period)
	}
	return n
}

// slot returns the slot in the period that holds t.
func (s Schedule) slot(t time.Time) time.Time {
	return t.Truncate(s.Period).Add(s.Offset)
}

// Nearest returns the slot closest to t, before or after it: the slot a
// periodic job enqueued at t belongs to, even if the enqueuer runs a
// little early or late.
func (s Schedule) Nearest(t time.Time) time.Time {
	n := s.Next(t)
	if p := n.Add(-s.Period); t.Sub(p) <= n.Sub(t) {
		return p
	}
	return n
}
