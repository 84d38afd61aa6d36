// Package sqlstore is an embedded billing store: a database/sql
// implementation of sync.Store, sync.Notifier and sync.Journal on an
// embedded SQLite database (modernc.org/sqlite, pure Go, no cgo), whose
// tables follow WHMCS's own: tblclients, tblproducts, tblhosting,
// tblservers and the custom field tables.
//
// One [DB] holds many servers; [DB.Server] returns the [Store] of one,
// which is what the sync engine works on. Besides the billing rows, the
// store keeps what the engine asks its caller to keep: the sync log
// ([Store.Record]), the e-mails to send ([Store.Notify] queues them; the
// password of a new-password e-mail is not stored, so plug in a real mailer
// to deliver it) and the hysteresis history ([Store.SeenMissing],
// [Store.SaveSeenMissing]).
//
// The store is safe for concurrent use: SQLite serialises writers, and
// the pool holds one connection so that no call meets a locked database.
//
// A Store groups its writes when the sync engine asks it to
// (sync.Batcher): between BeginBatch and CommitBatch they share one
// transaction, which SQLite makes durable with one sync to disk instead
// of one per row. The batch's transaction holds the pool's connection
// from its first write to its commit, so the other servers' stores wait
// for it meanwhile.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

const dateLayout = "2006-01-02"

// DB is a WHMCS-shaped billing database.
type DB struct {
	db    *sql.DB
	now   func() time.Time
	stmts map[string]*sql.Stmt // the statements a sync runs per action, by query
}

// The writes a sync makes once or more per action. They are prepared
// once, when the database opens: parsing them on every call took SQLite
// about a quarter of an import's time. (Preparing later could wait for
// the connection a batch holds.) Queries are not: in a batch, two
// goroutines reading through one prepared statement on the batch's one
// connection would share its cursor.
const (
	insertClientSQL  = `INSERT INTO tblclients (firstname, companyname, email, datecreated) VALUES (?, ?, ?, ?) ON CONFLICT (email) DO NOTHING`
	insertServiceSQL = `INSERT INTO tblhosting (userid, packageid, server, regdate, domain, billingcycle, nextduedate, domainstatus, username, dedicatedip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	terminateSQL     = `UPDATE tblhosting SET domainstatus = 'Terminated' WHERE id = ? AND server = ?`
	insertMailSQL    = `INSERT INTO tblaccountsync_mail (date, server, kind, key, serviceid, clientid, email) VALUES (?, ?, ?, ?, ?, ?, ?)`
	insertLogSQL     = `INSERT INTO tblaccountsync_log (date, server, kind, key, serviceid, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?)`
)

// Open opens (creating if needed) the SQLite database at path and its
// tables.
func Open(ctx context.Context, path string) (*DB, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: open %s: create tables: %w", path, err)
	}
	d := &DB{db: db, now: time.Now, stmts: map[string]*sql.Stmt{}}
	for _, q := range []string{insertClientSQL, insertServiceSQL, terminateSQL, insertMailSQL, insertLogSQL} {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlstore: open %s: prepare: %w", path, err)
		}
		d.stmts[q] = st
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// SQL returns the underlying database, for reports and inspection.
func (d *DB) SQL() *sql.DB { return d.db }

// Server returns the store of the server with this name, adding it to
// tblservers if it is new. The store holds that server's services only:
// call Server once per server and hand each store only to its own server's
// sync, since a store shared by two servers would export one server's
// accounts onto the other. A name already registered with another type is
// an error rather than a silent change of type, because it is most likely
// a second server given the first one's name.
//
// keyField is the server type's provider.Metadata.UniqueIdentifierField:
// for "customfield.<name>" the store keeps each service's identifier in
// that product custom field, as WHMCS does.
func (d *DB) Server(ctx context.Context, name, typ, keyField string) (*Store, error) {
	if name == "" {
		return nil, errors.New("sqlstore: server: empty name")
	}
	if _, err := d.db.ExecContext(ctx,
		`INSERT INTO tblservers (name, type) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, typ); err != nil {
		return nil, fmt.Errorf("sqlstore: server %q: %w", name, err)
	}
	var (
		id   int64
		have string
	)
	if err := d.db.QueryRowContext(ctx, `SELECT id, type FROM tblservers WHERE name = ?`, name).Scan(&id, &have); err != nil {
		return nil, fmt.Errorf("sqlstore: server %q: %w", name, err)
	}
	if have != typ {
		return nil, fmt.Errorf("sqlstore: server %q is a %q server in this database, not %q: one store holds one server's services; give the other server its own name", name, have, typ)
	}
	s := &Store{d: d, server: id, name: name, typ: typ}
	if f, ok := strings.CutPrefix(keyField, "customfield."); ok && f != "" {
		s.customField = f
	}
	return s, nil
}

// Store is one server's billing side. It implements sync.Store,
// sync.Notifier and sync.Journal, and sync.ClientFinder and sync.Batcher
// to make a sync cheap. It lists, changes and terminates the services of
// its own server only; never hand one Store to the syncs of two servers.
type Store struct {
	d           *DB
	server      int64
	name, typ   string
	customField string

	mu      sync.Mutex
	batched bool    // between BeginBatch and CommitBatch
	tx      *sql.Tx // the batch's transaction, begun by its first write
}

var (
	_ acsync.Store        = (*Store)(nil)
	_ acsync.Notifier     = (*Store)(nil)
	_ acsync.Journal      = (*Store)(nil)
	_ acsync.ClientFinder = (*Store)(nil)
	_ acsync.Batcher      = (*Store)(nil)
)

// querier runs statements on the database, or in a transaction when tx
// is set, using the database's prepared statement for a write it has one
// for.
type querier struct {
	d  *DB
	tx *sql.Tx
}

func (q querier) stmt(ctx context.Context, query string) *sql.Stmt {
	st := q.d.stmts[query]
	if st != nil && q.tx != nil {
		st = q.tx.StmtContext(ctx, st)
	}
	return st
}

func (q querier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.ExecContext(ctx, query, args...)
	}
	return q.d.db.ExecContext(ctx, query, args...)
}

func (q querier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q.tx != nil {
		return q.tx.QueryContext(ctx, query, args...)
	}
	return q.d.db.QueryContext(ctx, query, args...)
}

func (q querier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if q.tx != nil {
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	return q.d.db.QueryRowContext(ctx, query, args...)
}

// batchTx returns the batch's transaction, beginning it if need be, or
// nil outside a batch. Within a batch every call goes through it, reads
// too: it holds the pool's only connection, and reads must see the
// batch's writes.
func (s *Store) batchTx(ctx context.Context) (*sql.Tx, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.batched || s.tx != nil {
		return s.tx, nil
	}
	// Not bound to ctx: the batch outlives the call that begins it.
	tx, err := s.d.db.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, err
	}
	s.tx = tx
	return tx, nil
}

// reader is what a read goes through: the batch's transaction within a
// batch, the database otherwise.
func (s *Store) reader(ctx context.Context) (querier, error) {
	tx, err := s.batchTx(ctx)
	return querier{d: s.d, tx: tx}, err
}

// query runs a query through reader.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	return q.QueryContext(ctx, query, args...)
}

// queryRow runs a one-row query through reader.
func (s *Store) queryRow(ctx context.Context, dest []any, query string, args ...any) error {
	q, err := s.reader(ctx)
	if err != nil {
		return err
	}
	return q.QueryRowContext(ctx, query, args...).Scan(dest...)
}

// write runs fn in the batch's transaction or, outside a batch, in a
// transaction of its own that it commits.
func (s *Store) write(ctx context.Context, fn func(q querier) error) error {
	tx, err := s.batchTx(ctx)
	if err != nil {
		return err
	}
	if tx != nil {
		return fn(querier{d: s.d, tx: tx})
	}
	if tx, err = s.d.db.BeginTx(ctx, nil); err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(querier{d: s.d, tx: tx}); err != nil {
		return err
	}
	return tx.Commit()
}

// BeginBatch starts grouping this store's writes (sync.Batcher).
func (s *Store) BeginBatch(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.batched {
		return s.errorf("begin batch", errors.New("a batch is already open"))
	}
	s.batched = true
	return nil
}

// CommitBatch commits the writes since BeginBatch in one transaction and
// ends the batch; if the commit fails, they are rolled back.
func (s *Store) CommitBatch(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.tx
	s.tx, s.batched = nil, false
	if tx == nil {
		return nil
	}
	if err := tx.Commit(); err != nil {
		tx.Rollback()
		return s.errorf("commit batch", err)
	}
	return nil
}

func (s *Store) errorf(op string, err error) error {
	return fmt.Errorf("sqlstore: server %q: %s: %w", s.name, op, err)
}

// Services returns every service of the server, in any status.
func (s *Store) Services(ctx context.Context) ([]acsync.Service, error) {
	rows, err := s.query(ctx, `
		SELECT h.id, h.userid, c.email, h.packageid, p.configoption1, h.domain, h.username,
		       COALESCE(v.value, ''), h.domainstatus, h.dedicatedip, h.regdate, h.nextduedate, h.billingcycle
		FROM tblhosting h
		JOIN tblclients c ON c.id = h.userid
		JOIN tblproducts p ON p.id = h.packageid
		LEFT JOIN tblcustomfields f ON f.type = 'product' AND f.relid = h.packageid AND f.fieldname = ?
		LEFT JOIN tblcustomfieldsvalues v ON v.fieldid = f.id AND v.relid = h.id
		WHERE h.server = ?
		ORDER BY h.id`, s.customField, s.server)
	if err != nil {
		return nil, s.errorf("services", err)
	}
	defer rows.Close()
	var out []acsync.Service
	for rows.Next() {
		var (
			svc                      acsync.Service
			id, client, product      int64
			status, regdate, nextdue string
		)
		if err := rows.Scan(&id, &client, &svc.ClientEmail, &product, &svc.Package, &svc.Domain, &svc.Username,
			&svc.UniqueIdentifier, &status, &svc.DedicatedIP, &regdate, &nextdue, &svc.BillingCycle); err != nil {
			return nil, s.errorf("services", err)
		}
		svc.ID, svc.ClientID, svc.ProductID = itoa(id), itoa(client), itoa(product)
		svc.Status = acsync.ServiceStatus(status)
		if svc.RegDate, err = parseDate(regdate); err == nil {
			svc.NextDueDate, err = parseDate(nextdue)
		}
		if err != nil {
			return nil, s.errorf("services", fmt.Errorf("service %s: %w", svc.ID, err))
		}
		out = append(out, svc)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("services", err)
	}
	return out, nil
}

// FindClientByEmail returns the client's ID, or an error wrapping
// provider.ErrNotFound.
func (s *Store) FindClientByEmail(ctx context.Context, email string) (string, error) {
	var id int64
	err := s.queryRow(ctx, []any{&id}, `SELECT id FROM tblclients WHERE email = ? COLLATE NOCASE`, strings.TrimSpace(email))
	if errors.Is(err, sql.ErrNoRows) {
		return "", s.errorf("find client", fmt.Errorf("%q: %w", email, provider.ErrNotFound))
	}
	if err != nil {
		return "", s.errorf("find client", err)
	}
	return itoa(id), nil
}

// FindClientsByEmail returns the client ID of each address that has a
// client, keyed by the address as given, with one query per 500 addresses
// (sync.ClientFinder).
func (s *Store) FindClientsByEmail(ctx context.Context, emails []string) (map[string]string, error) {
	const chunk = 500
	out := make(map[string]string, len(emails))
	byLower := make(map[string][]string, len(emails)) // lower-case address -> as given
	for start := 0; start < len(emails); start += chunk {
		part := emails[start:min(start+chunk, len(emails))]
		args := make([]any, len(part))
		for i, e := range part {
			t := strings.TrimSpace(e)
			args[i] = t
			byLower[strings.ToLower(t)] = append(byLower[strings.ToLower(t)], e)
		}
		q := `SELECT lower(email), id FROM tblclients WHERE email COLLATE NOCASE IN (?` + strings.Repeat(",?", len(part)-1) + `)`
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return nil, s.errorf("find clients", err)
		}
		for rows.Next() {
			var email string
			var id int64
			if err := rows.Scan(&email, &id); err != nil {
				rows.Close()
				return nil, s.errorf("find clients", err)
			}
			for _, given := range byLower[email] {
				out[given] = itoa(id)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.errorf("find clients", err)
		}
	}
	return out, nil
}

// CreateClient adds a client named after the account's username; an
// existing e-mail address is an error wrapping provider.ErrExists.
func (s *Store) CreateClient(ctx context.Context, c acsync.NewClient) (string, error) {
	email := strings.TrimSpace(c.Email)
	if email == "" {
		return "", s.errorf("create client", errors.New("empty e-mail address"))
	}
	var id int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, insertClientSQL, c.Account.Username, c.Account.Domain, email, s.d.now().Format(dateLayout))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%q: %w", email, provider.ErrExists)
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return "", s.errorf("create client", err)
	}
	return itoa(id), nil
}

// CreateProduct returns the product for the package on this server type,
// creating a hidden one named after the package when there is none. The
// unique (servertype, configoption1) index makes a second call, even a
// concurrent one, return the same product.
func (s *Store) CreateProduct(ctx context.Context, p acsync.NewProduct) (string, error) {
	var id int64
	err := s.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx,
			`INSERT INTO tblproducts (name, servertype, configoption1, hidden) VALUES (?, ?, ?, 1) ON CONFLICT (servertype, configoption1) DO NOTHING`,
			productName(p.Package), s.typ, p.Package); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `SELECT id FROM tblproducts WHERE servertype = ? AND configoption1 = ?`, s.typ, p.Package).Scan(&id)
	})
	if err != nil {
		return "", s.errorf("create product", err)
	}
	return itoa(id), nil
}

func productName(pkg string) string {
	if pkg == "" {
		return "Imported (no package)"
	}
	return pkg
}

// CreateService adds the service to this server, with its custom field
// identifier when the server type keys on one.
func (s *Store) CreateService(ctx context.Context, svc acsync.Service) (string, error) {
	status := svc.Status
	if status == "" {
		status = acsync.ServiceStatusActive
	}
	var id int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, insertServiceSQL, svc.ClientID, svc.ProductID, s.server, formatDate(svc.RegDate), svc.Domain, svc.BillingCycle,
			formatDate(svc.NextDueDate), string(status), svc.Username, svc.DedicatedIP)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return s.setIdentifier(ctx, q, svc.ProductID, id, svc.UniqueIdentifier)
	})
	if err != nil {
		return "", s.errorf("create service", err)
	}
	return itoa(id), nil
}

// setIdentifier writes the custom field value that holds the identifier.
func (s *Store) setIdentifier(ctx context.Context, q querier, productID string, serviceID int64, value string) error {
	if s.customField == "" {
		return nil
	}
	if _, err := q.ExecContext(ctx,
		`INSERT INTO tblcustomfields (type, relid, fieldname) VALUES ('product', ?, ?) ON CONFLICT DO NOTHING`, productID, s.customField); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `
		INSERT INTO tblcustomfieldsvalues (fieldid, relid, value)
		SELECT id, ?, ? FROM tblcustomfields WHERE type = 'product' AND relid = ? AND fieldname = ?
		ON CONFLICT (fieldid, relid) DO UPDATE SET value = excluded.value`,
		serviceID, value, productID, s.customField)
	return err
}

// UpdateService writes the changed fields.
func (s *Store) UpdateService(ctx context.Context, svc acsync.Service, changes []acsync.Change) error {
	id, err := strconv.ParseInt(svc.ID, 10, 64)
	if err != nil {
		return s.errorf("update service", fmt.Errorf("service ID %q: %w", svc.ID, provider.ErrNotFound))
	}
	err = s.write(ctx, func(q querier) error {
		for _, c := range changes {
			var col string
			var val any
			switch c.Field {
			case acsync.FieldStatus:
				col, val = "domainstatus", string(svc.Status)
			case acsync.FieldPackage, acsync.FieldProductID:
				col, val = "packageid", svc.ProductID
			case acsync.FieldDomain:
				col, val = "domain", svc.Domain
			case acsync.FieldUsername:
				col, val = "username", svc.Username
			case acsync.FieldDedicatedIP:
				col, val = "dedicatedip", svc.DedicatedIP
			default:
				return fmt.Errorf("service %s: unknown field %q", svc.ID, c.Field)
			}
			res, err := q.ExecContext(ctx, `UPDATE tblhosting SET `+col+` = ? WHERE id = ? AND server = ?`, val, id, s.server)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("service %s: %w", svc.ID, provider.ErrNotFound)
			}
		}
		return nil
	})
	if err != nil {
		return s.errorf("update service", err)
	}
	return nil
}

// TerminateService marks the service Terminated; an ended service stays
// as it is.
func (s *Store) TerminateService(ctx context.Context, svc acsync.Service) error {
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, terminateSQL, svc.ID, s.server)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("service %s: %w", svc.ID, provider.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return s.errorf("terminate service", err)
	}
	return nil
}

// Notify queues the e-mail in tblaccountsync_mail. The password of a
// new-password e-mail is not stored.
func (s *Store) Notify(ctx context.Context, n acsync.Notification) error {
	err := s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, insertMailSQL, s.d.now().UTC().Format(time.RFC3339), s.server, string(n.Kind), n.Key, n.ServiceID, n.ClientID, n.Email)
		return err
	})
	if err != nil {
		return s.errorf("notify", err)
	}
	return nil
}

// Record appends the entry to the sync log.
func (s *Store) Record(ctx context.Context, e acsync.Entry) error {
	t := e.Time
	if t.IsZero() {
		t = s.d.now()
	}
	err := s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, insertLogSQL, t.UTC().Format(time.RFC3339Nano), s.server, string(e.Kind), e.Key, e.ServiceID, string(e.Outcome), e.Message)
		return err
	})
	if err != nil {
		return s.errorf("record", err)
	}
	return nil
}

// Entries returns the sync log of this server since t, oldest first.
func (s *Store) Entries(ctx context.Context, since time.Time) ([]acsync.Entry, error) {
	rows, err := s.query(ctx,
		`SELECT date, kind, key, serviceid, outcome, message FROM tblaccountsync_log WHERE server = ? AND date >= ? ORDER BY id`,
		s.server, since.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return nil, s.errorf("entries", err)
	}
	defer rows.Close()
	var out []acsync.Entry
	for rows.Next() {
		var e acsync.Entry
		var date, kind, outcome string
		if err := rows.Scan(&date, &kind, &e.Key, &e.ServiceID, &outcome, &e.Message); err != nil {
			return nil, s.errorf("entries", err)
		}
		e.Time, _ = time.Parse(time.RFC3339Nano, date)
		e.Kind, e.Outcome = acsync.Kind(kind), acsync.Outcome(outcome)
		out = append(out, e)
	}
	return out, rows.Err()
}

// SeenMissing returns the hysteresis history to pass as
// sync.Options.SeenMissing.
func (s *Store) SeenMissing(ctx context.Context) (map[string]int, error) {
	rows, err := s.query(ctx, `SELECT key, runs FROM tblaccountsync_seen WHERE server = ?`, s.server)
	if err != nil {
		return nil, s.errorf("seen missing", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, s.errorf("seen missing", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

// SaveSeenMissing replaces the history with a plan's Plan.SeenMissing.
func (s *Store) SaveSeenMissing(ctx context.Context, seen map[string]int) error {
	err := s.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM tblaccountsync_seen WHERE server = ?`, s.server); err != nil {
			return err
		}
		for k, n := range seen {
			if _, err := q.ExecContext(ctx, `INSERT INTO tblaccountsync_seen (server, key, runs) VALUES (?, ?, ?)`, s.server, k, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.errorf("save seen missing", err)
	}
	return nil
}

// Clients returns every client's ID by e-mail address. A sync does not
// need it: sync.Executor.Plan asks FindClientsByEmail about the addresses
// its imports need, which costs nothing when a server is in sync.
func (s *Store) Clients(ctx context.Context) (map[string]string, error) {
	return s.pairs(ctx, "clients", `SELECT lower(email), id FROM tblclients`)
}

// Products returns the product ID of each package of this server's type,
// for sync.Options.Products.
func (s *Store) Products(ctx context.Context) (map[string]string, error) {
	return s.pairs(ctx, "products", `SELECT configoption1, id FROM tblproducts WHERE servertype = ?`, s.typ)
}

func (s *Store) pairs(ctx context.Context, op, query string, args ...any) (map[string]string, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, s.errorf(op, err)
		}
		out[k] = itoa(id)
	}
	return out, rows.Err()
}

// LoadOptions fills the parts of the engine's options that live in the
// store: Products and SeenMissing. Clients are left to
// sync.Executor.Plan, which asks only about the addresses it needs.
func (s *Store) LoadOptions(ctx context.Context, opts *acsync.Options) error {
	var err error
	if opts.Products, err = s.Products(ctx); err != nil {
		return err
	}
	opts.SeenMissing, err = s.SeenMissing(ctx)
	return err
}

// Meta returns a value the caller stored with SetMeta, such as when the
// last daily report went out.
func (d *DB) Meta(ctx context.Context, name string) (string, bool, error) {
	var v string
	err := d.db.QueryRowContext(ctx, `SELECT value FROM tblaccountsync_meta WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("sqlstore: meta %q: %w", name, err)
	}
	return v, true, nil
}

// SetMeta stores a value under name.
func (d *DB) SetMeta(ctx context.Context, name, value string) error {
	_, err := d.db.ExecContext(ctx,
		`INSERT INTO tblaccountsync_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	if err != nil {
		return fmt.Errorf("sqlstore: set meta %q: %w", name, err)
	}
	return nil
}

// ServerEntry is a sync log entry with the name of its server.
type ServerEntry struct {
	Server string
	acsync.Entry
}

// Journal returns the sync log of every server since t, oldest first.
func (d *DB) Journal(ctx context.Context, since time.Time) ([]ServerEntry, error) {
	rows, err := d.db.QueryContext(ctx, `
		SELECT s.name, l.date, l.kind, l.key, l.serviceid, l.outcome, l.message
		FROM tblaccountsync_log l JOIN tblservers s ON s.id = l.server
		WHERE l.date >= ? ORDER BY l.id`, since.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: journal: %w", err)
	}
	defer rows.Close()
	var out []ServerEntry
	for rows.Next() {
		var e ServerEntry
		var date, kind, outcome string
		if err := rows.Scan(&e.Server, &date, &kind, &e.Key, &e.ServiceID, &outcome, &e.Message); err != nil {
			return nil, fmt.Errorf("sqlstore: journal: %w", err)
		}
		e.Time, _ = time.Parse(time.RFC3339Nano, date)
		e.Kind, e.Outcome = acsync.Kind(kind), acsync.Outcome(outcome)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Mail is one queued e-mail.
type Mail struct {
	Kind      acsync.NotificationKind
	Key       string
	ServiceID string
	Email     string
}

// Mails returns the e-mails queued for this server, oldest first.
func (s *Store) Mails(ctx context.Context) ([]Mail, error) {
	rows, err := s.query(ctx, `SELECT kind, key, serviceid, email FROM tblaccountsync_mail WHERE server = ? ORDER BY id`, s.server)
	if err != nil {
		return nil, s.errorf("mails", err)
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		var m Mail
		var kind string
		if err := rows.Scan(&kind, &m.Key, &m.ServiceID, &m.Email); err != nil {
			return nil, s.errorf("mails", err)
		}
		m.Kind = acsync.NotificationKind(kind)
		out = append(out, m)
	}
	return out, rows.Err()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func formatDate(t time.Time) string {
	if t.IsZero() {
		return "0000-00-00"
	}
	return t.Format(dateLayout)
}

// parseDate reads a WHMCS date; MySQL's zero date is the zero time.
func parseDate(s string) (time.Time, error) {
	if s == "" || s == "0000-00-00" {
		return time.Time{}, nil
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("malformed date %q", s)
	}
	return t, nil
}
