package sqlstore

// schema follows WHMCS's own tables (tblclients, tblproducts, tblhosting,
// tblservers, tblcustomfields, tblcustomfieldsvalues), cut down to the
// columns the engine reads and writes, so that the data maps one to one
// onto a real WHMCS database. The tblaccountsync_* tables are the
// caller-side state the engine asks for: the sync log, queued e-mails and
// the hysteresis history.
const schema = `
CREATE TABLE IF NOT EXISTS tblservers (
	id       INTEGER PRIMARY KEY,
	name     TEXT NOT NULL UNIQUE,
	type     TEXT NOT NULL DEFAULT '',
	hostname TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS tblclients (
	id          INTEGER PRIMARY KEY,
	firstname   TEXT NOT NULL DEFAULT '',
	lastname    TEXT NOT NULL DEFAULT '',
	companyname TEXT NOT NULL DEFAULT '',
	email       TEXT NOT NULL UNIQUE COLLATE NOCASE,
	status      TEXT NOT NULL DEFAULT 'Active',
	datecreated TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS tblproducts (
	id            INTEGER PRIMARY KEY,
	type          TEXT NOT NULL DEFAULT 'hostingaccount',
	gid           INTEGER NOT NULL DEFAULT 0,
	name          TEXT NOT NULL,
	servertype    TEXT NOT NULL DEFAULT '',
	configoption1 TEXT NOT NULL DEFAULT '',
	hidden        INTEGER NOT NULL DEFAULT 0,
	UNIQUE (servertype, configoption1)
);
CREATE TABLE IF NOT EXISTS tblhosting (
	id            INTEGER PRIMARY KEY,
	userid        INTEGER NOT NULL REFERENCES tblclients(id),
	packageid     INTEGER NOT NULL REFERENCES tblproducts(id),
	server        INTEGER NOT NULL REFERENCES tblservers(id),
	regdate       TEXT NOT NULL DEFAULT '0000-00-00',
	domain        TEXT NOT NULL DEFAULT '',
	paymentmethod TEXT NOT NULL DEFAULT '',
	amount        REAL NOT NULL DEFAULT 0,
	billingcycle  TEXT NOT NULL DEFAULT '',
	nextduedate   TEXT NOT NULL DEFAULT '0000-00-00',
	domainstatus  TEXT NOT NULL DEFAULT 'Pending',
	username      TEXT NOT NULL DEFAULT '',
	dedicatedip   TEXT NOT NULL DEFAULT '',
	notes         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS tblhosting_server ON tblhosting (server);
CREATE TABLE IF NOT EXISTS tblcustomfields (
	id        INTEGER PRIMARY KEY,
	type      TEXT NOT NULL DEFAULT 'product',
	relid     INTEGER NOT NULL,
	fieldname TEXT NOT NULL,
	UNIQUE (type, relid, fieldname)
);
CREATE TABLE IF NOT EXISTS tblcustomfieldsvalues (
	fieldid INTEGER NOT NULL REFERENCES tblcustomfields(id),
	relid   INTEGER NOT NULL,
	value   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (fieldid, relid)
);
CREATE TABLE IF NOT EXISTS tblaccountsync_log (
	id        INTEGER PRIMARY KEY,
	date      TEXT NOT NULL,
	server    INTEGER NOT NULL REFERENCES tblservers(id),
	kind      TEXT NOT NULL,
	key       TEXT NOT NULL,
	serviceid TEXT NOT NULL DEFAULT '',
	outcome   TEXT NOT NULL,
	message   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS tblaccountsync_mail (
	id        INTEGER PRIMARY KEY,
	date      TEXT NOT NULL,
	server    INTEGER NOT NULL REFERENCES tblservers(id),
	kind      TEXT NOT NULL,
	key       TEXT NOT NULL,
	serviceid TEXT NOT NULL DEFAULT '',
	clientid  TEXT NOT NULL DEFAULT '',
	email     TEXT NOT NULL DEFAULT '',
	sent      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tblaccountsync_meta (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tblaccountsync_seen (
	server INTEGER NOT NULL REFERENCES tblservers(id),
	key    TEXT NOT NULL,
	runs   INTEGER NOT NULL,
	PRIMARY KEY (server, key)
);
`
