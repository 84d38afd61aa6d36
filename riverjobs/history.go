package riverjobs

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// historyTable keeps the hysteresis history (Plan.SeenMissing) of servers
// whose billing side keeps none, such as WHMCS: in the database every
// worker shares, so that a server's count goes on whichever worker syncs
// it next.
const historyTable = `
CREATE TABLE IF NOT EXISTS accountsync_seen_missing (
	server text    NOT NULL,
	key    text    NOT NULL,
	runs   integer NOT NULL,
	PRIMARY KEY (server, key)
);
COMMENT ON TABLE accountsync_seen_missing IS 'accountsync: per server, the keys seen missing or incorrect and in how many runs in a row (riverjobs)';
`

// history is one server's history in the database.
type history struct {
	pool   *pgxpool.Pool
	server string
}

// SeenMissing returns the server's counts.
func (h history) SeenMissing(ctx context.Context) (map[string]int, error) {
	rows, err := h.pool.Query(ctx, `SELECT key, runs FROM accountsync_seen_missing WHERE server = $1`, h.server)
	if err != nil {
		return nil, fmt.Errorf("riverjobs: history of %s: %w", h.server, err)
	}
	seen := map[string]int{}
	var key string
	var runs int
	_, err = pgx.ForEachRow(rows, []any{&key, &runs}, func() error {
		seen[key] = runs
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("riverjobs: history of %s: %w", h.server, err)
	}
	return seen, nil
}

// SaveSeenMissing replaces the server's counts.
func (h history) SaveSeenMissing(ctx context.Context, seen map[string]int) error {
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM accountsync_seen_missing WHERE server = $1`, h.server); err != nil {
			return err
		}
		keys := make([]string, 0, len(seen))
		runs := make([]int32, 0, len(seen))
		for k, n := range seen {
			keys = append(keys, k)
			runs = append(runs, int32(n))
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO accountsync_seen_missing (server, key, runs)
			SELECT $1, k, n FROM unnest($2::text[], $3::integer[]) AS u(k, n)`, h.server, keys, runs)
		return err
	})
	if err != nil {
		return fmt.Errorf("riverjobs: save the history of %s: %w", h.server, err)
	}
	return nil
}
