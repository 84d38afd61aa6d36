package riverjobs

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// lockKey returns the advisory-lock key of a name in one of our
// namespaces. River draws its own keys from the same 64-bit space; a
// collision is as unlikely as one between two of River's.
func lockKey(namespace string, parts ...string) int64 {
	h := fnv.New64a()
	h.Write([]byte("accountsync/riverjobs/" + namespace))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return int64(h.Sum64())
}

func serverKey(name string) int64 { return lockKey("server", name) }

func panelKey(typ string, slot int) int64 { return lockKey("panel", typ, strconv.Itoa(slot)) }

// session is one database connection holding a run's advisory locks.
// Session-level locks are released by PostgreSQL when the connection
// ends, so a worker that dies holds nothing.
type session struct {
	conn *pgxpool.Conn
	held bool
}

func acquireSession(ctx context.Context, pool *pgxpool.Pool) (*session, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &session{conn: conn}, nil
}

// tryLock takes the lock of key if it is free.
func (s *session) tryLock(ctx context.Context, key int64) (bool, error) {
	var ok bool
	err := s.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok)
	s.held = s.held || ok
	return ok, err
}

// trySlot takes one of the limit slots of a panel type, starting at a
// random one so that the slots are used evenly.
func (s *session) trySlot(ctx context.Context, typ string, limit int) (bool, error) {
	first := rand.IntN(limit)
	for i := range limit {
		ok, err := s.tryLock(ctx, panelKey(typ, (first+i)%limit))
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// release lets go of every lock and returns the connection to the pool,
// or closes it when the locks cannot be released for sure.
func (s *session) release() {
	if s.held {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := s.conn.Exec(ctx, `SELECT pg_advisory_unlock_all()`); err != nil {
			s.conn.Conn().Close(ctx)
		}
	}
	s.conn.Release()
}

// watch pings the session's connection every interval until stop is
// called, and calls lost if the connection fails: the locks went with
// it, so the run must stop before another worker starts the same server.
// The connection is not used otherwise meanwhile.
func (s *session) watch(interval time.Duration, lost func(error)) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			err := s.conn.Ping(ctx)
			cancel()
			if err != nil {
				lost(err)
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
