// Package sqlite keeps chatroom's state in one SQLite file in the data
// folder, using modernc.org/sqlite: pure Go, so Windows hosts build the
// daemon without a C compiler.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/chatroom/chatroom/store"
)

// FileName is the database's file name inside the data folder.
const FileName = "chatroom.db"

// DB is chatroom's database. It implements store.Store and store.History.
type DB struct {
	db   *sql.DB
	path string
	lock *flock.Flock

	// writeMu lets one write at a time reach SQLite, which takes one
	// writer at a time anyway: a second one is refused with SQLITE_BUSY
	// and sleeps in the busy handler, 1 ms and more, before trying again.
	// Lines posted in two rooms at once (stored outside the hub's lock,
	// so at once) met that sleep; queued on a mutex they wait only for
	// the write ahead of them. Reads are not held: WAL lets them run
	// beside a write.
	writeMu sync.Mutex
}

// exec runs one write statement, one at a time (see writeMu).
func (d *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	return d.db.ExecContext(ctx, query, args...)
}

var (
	_ store.Store   = (*DB)(nil)
	_ store.History = (*DB)(nil)
)

// inTx runs do in one transaction, committed if do returns nil and rolled
// back if not: a change of several rows is stored whole or not at all. It
// is a write, one at a time as exec's (see writeMu).
func (d *DB) inTx(ctx context.Context, do func(tx *sql.Tx) error) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := do(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Open opens or creates the database at path and brings its schema up to
// date. It refuses a file that is not a chatroom database, one written by
// a newer chatroom, and one another daemon is using.
func Open(path string) (*DB, error) {
	return open(path, len(migrations))
}

// open opens the database migrated to version: all of migrations, except
// in tests of migrating from an older version.
func open(path string, version int) (*DB, error) {
	// A lock file keeps a second daemon off the data folder; SQLite's own
	// locks stay shared, so sqlite3's .backup can copy the file while the
	// daemon runs.
	lock := flock.New(path + ".lock")
	locked, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock database %s: %w", path, err)
	}
	if !locked {
		return nil, fmt.Errorf("database %s is in use by another process (is another chatroom running on this data folder?)", path)
	}
	// WAL lets readers and the writer overlap. NORMAL synchronous is
	// durable across process crashes (kill -9 included), the failure that
	// matters here, at a fraction of FULL's cost.
	db, err := sql.Open("sqlite", uri(path)+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"+
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)")
	if err != nil {
		_ = lock.Unlock()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	d := &DB{db: db, path: path, lock: lock}
	if err := d.migrate(context.Background(), version); err != nil {
		_ = d.Close()
		return nil, d.explain(err)
	}
	return d, nil
}

// uriEscaper escapes what a SQLite URI's path may not hold as is: '%'
// starts an escape, '?' the parameters and '#' a fragment
// (https://www.sqlite.org/uri.html). Unescaped, a data folder called
// "C:\hash#dir" put the database at "C:\hash", outside the folder its lock
// file guards. SQLite decodes the escapes back; the driver splits the
// parameters off at the first '?', which is then ours.
var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// uri is the SQLite URI of the database file at path, without parameters.
// The URI form is what lets the driver pass parameters; a plain name would
// be cut at its first '?' all the same.
func uri(path string) string {
	if strings.HasPrefix(path, "/") {
		// An empty authority, so that a path starting "//" is not read as
		// one.
		return "file://" + uriEscaper.Replace(path)
	}
	return "file:" + uriEscaper.Replace(path)
}

// explain turns SQLite's errors at open into ones that say what to do.
func (d *DB) explain(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY"):
		return fmt.Errorf("database %s is in use by another process (is another chatroom running on this data folder?): %w", d.path, err)
	case strings.Contains(msg, "readonly database") || strings.Contains(msg, "SQLITE_READONLY"):
		return fmt.Errorf("database %s cannot be written, or the folder it is in (for its -wal and -shm files); refusing to start: give the user running chatroom write access to both: %w", d.path, err)
	case strings.Contains(msg, "file is not a database") || strings.Contains(msg, "malformed") || strings.Contains(msg, "SQLITE_NOTADB") || strings.Contains(msg, "SQLITE_CORRUPT"):
		return fmt.Errorf("database %s is corrupt or not a chatroom database; refusing to start (restore it from a backup, or move it away to start empty): %w", d.path, err)
	}
	return fmt.Errorf("database %s: %w", d.path, err)
}

// Check runs SQLite's quick_check over the whole file, so that damage (a
// page overwritten by a disk error or a stray write) stops the daemon at
// startup rather than failing later, mid-chat, with "malformed". It reads
// every page: about 1.3 s of CPU per million messages; see the
// README.
func (d *DB) Check(ctx context.Context) error {
	rows, err := d.db.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return d.damaged(err.Error())
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return d.damaged(err.Error())
		}
		if line != "ok" && len(problems) < 3 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return d.damaged(err.Error())
	}
	if len(problems) > 0 {
		return d.damaged(strings.Join(problems, "; "))
	}
	return nil
}

func (d *DB) damaged(what string) error {
	return fmt.Errorf("database %s is damaged (quick_check: %s); refusing to start: put a backup in its place, "+
		"deleting %s-wal and %s-shm beside it, or move it away to start with an empty one", d.path, what, FileName, FileName)
}

// Close closes the database and lets another daemon use it.
func (d *DB) Close() error {
	err := d.db.Close()
	if uerr := d.lock.Unlock(); err == nil {
		err = uerr
	}
	return err
}

// migrations are the schema, one step per version; a database at version
// n has had the first n applied. Never edit a step once released: add one.
var migrations = []string{
	`CREATE TABLE nick_owners (
		fold       TEXT PRIMARY KEY,
		nick       TEXT NOT NULL,
		key        TEXT NOT NULL,
		claimed_at INTEGER NOT NULL
	);
	CREATE TABLE sanctions (
		kind   TEXT NOT NULL,
		target TEXT NOT NULL,
		addr   TEXT NOT NULL, -- for a key's ban, the address it was at
		nick   TEXT NOT NULL,
		reason TEXT NOT NULL,
		by     TEXT NOT NULL,
		since  INTEGER NOT NULL,
		until  INTEGER NOT NULL, -- 0: never ends
		PRIMARY KEY (kind, target)
	);
	CREATE TABLE settings (
		name  TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);
	CREATE TABLE ignores (
		owner  TEXT NOT NULL,
		author TEXT NOT NULL,
		nick   TEXT NOT NULL,
		PRIMARY KEY (owner, author)
	);`,

	// 2: history, rooms and direct conversations, read positions, search.
	`CREATE TABLE messages (
		id     INTEGER PRIMARY KEY,
		room   TEXT NOT NULL,
		seq    INTEGER NOT NULL,
		time   INTEGER NOT NULL, -- unix milliseconds
		kind   INTEGER NOT NULL,
		nick   TEXT NOT NULL,
		author TEXT NOT NULL,
		text   TEXT NOT NULL,
		UNIQUE (room, seq)
	);
	CREATE INDEX messages_room_time ON messages (room, time);
	CREATE VIRTUAL TABLE messages_fts USING fts5 (
		text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
	);
	CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
		INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
	END;
	CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
		INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
	END;
	CREATE TABLE memberships (
		key    TEXT NOT NULL,
		room   TEXT NOT NULL,
		cursor INTEGER NOT NULL,
		label  TEXT NOT NULL,
		PRIMARY KEY (key, room)
	);
	CREATE TABLE rooms (
		name        TEXT PRIMARY KEY,
		topic       TEXT NOT NULL,
		invite_only INTEGER NOT NULL
	);
	CREATE TABLE invites (
		room TEXT NOT NULL,
		key  TEXT NOT NULL,
		PRIMARY KEY (room, key)
	);`,

	// 3: the highest Seq of each pruned room, so that a room pruned empty
	// numbers on from where it was.
	`CREATE TABLE room_seqs (
		room TEXT PRIMARY KEY,
		last INTEGER NOT NULL
	);`,

	// 4: whose doing a membership was, so that conversations strangers
	// open are bounded and never crowd out a person's own rooms; and which
	// rooms an operator owns and since when the others stand empty, so
	// that empty rooms nobody owns expire.
	//
	// A conversation a key never wrote in was opened by the other party
	// (of 'dm:A|B', the author that is not the key). Rooms that already
	// have a topic or are invite-only are kept: a topic set before this
	// version may be an operator's.
	`ALTER TABLE memberships ADD COLUMN opened_by TEXT NOT NULL DEFAULT '';
	UPDATE memberships SET opened_by =
		CASE WHEN substr(room, 4, length(key) + 1) = key || '|'
			THEN substr(room, 5 + length(key))
			ELSE substr(room, 4, instr(room, '|') - 4)
		END
	WHERE substr(room, 1, 3) = 'dm:' AND instr(room, '|') > 0 AND NOT EXISTS (
		SELECT 1 FROM messages m WHERE m.room = memberships.room AND m.author = memberships.key AND m.kind IN (0, 1));
	CREATE INDEX memberships_opened_by ON memberships (opened_by) WHERE opened_by != '';
	ALTER TABLE rooms ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE rooms ADD COLUMN empty_since INTEGER NOT NULL DEFAULT 0; -- unix milliseconds; 0: in use
	UPDATE rooms SET kept = 1 WHERE topic != '' OR invite_only != 0;`,
}

func (d *DB) migrate(ctx context.Context, target int) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var version int
	err := d.db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := d.db.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this chatroom knows (%d): run a newer chatroom", version, len(migrations))
	}
	for v := version; v < target; v++ {
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migrate to schema version %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, v+1); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", v+1, err)
		}
	}
	return nil
}

// NickOwner implements store.Store.
func (d *DB) NickOwner(ctx context.Context, fold string) (string, error) {
	var key string
	err := d.db.QueryRowContext(ctx, `SELECT key FROM nick_owners WHERE fold = ?`, fold).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up owner of %q: %w", fold, err)
	}
	return key, nil
}

// ClaimNick implements store.Store.
func (d *DB) ClaimNick(ctx context.Context, fold, nick, key string, at time.Time) error {
	_, err := d.exec(ctx, `INSERT INTO nick_owners (fold, nick, key, claimed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (fold) DO NOTHING`, fold, nick, key, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("claim nick %q: %w", nick, err)
	}
	return nil
}

// ClaimNicks implements store.Store.
func (d *DB) ClaimNicks(ctx context.Context, folds []string, nick, key string, at time.Time) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for _, fold := range folds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO nick_owners (fold, nick, key, claimed_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (fold) DO NOTHING`, fold, nick, key, at.UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("claim nick %q: %w", nick, err)
	}
	return nil
}

// ReleaseNick implements store.Store.
func (d *DB) ReleaseNick(ctx context.Context, fold string) error {
	if _, err := d.exec(ctx, `DELETE FROM nick_owners WHERE fold = ?`, fold); err != nil {
		return fmt.Errorf("release nick %q: %w", fold, err)
	}
	return nil
}

// Sanctions implements store.Store.
func (d *DB) Sanctions(ctx context.Context) ([]store.Sanction, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT kind, target, addr, nick, reason, by, since, until FROM sanctions`)
	if err != nil {
		return nil, fmt.Errorf("read sanctions: %w", err)
	}
	defer rows.Close()
	var out []store.Sanction
	for rows.Next() {
		var s store.Sanction
		var since, until int64
		if err := rows.Scan(&s.Kind, &s.Target, &s.Addr, &s.Nick, &s.Reason, &s.By, &since, &until); err != nil {
			return nil, fmt.Errorf("read sanctions: %w", err)
		}
		s.Since = time.UnixMilli(since).UTC()
		if until != 0 {
			s.Until = time.UnixMilli(until).UTC()
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PutSanction implements store.Store.
func (d *DB) PutSanction(ctx context.Context, s store.Sanction) error {
	var until int64
	if !s.Until.IsZero() {
		until = s.Until.UnixMilli()
	}
	_, err := d.exec(ctx, `INSERT OR REPLACE INTO sanctions (kind, target, addr, nick, reason, by, since, until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s.Kind, s.Target, s.Addr, s.Nick, s.Reason, s.By, s.Since.UnixMilli(), until)
	if err != nil {
		return fmt.Errorf("store %s of %s: %w", s.Kind, s.Target, err)
	}
	return nil
}

// DeleteSanction implements store.Store.
func (d *DB) DeleteSanction(ctx context.Context, kind store.SanctionKind, target string) error {
	if _, err := d.exec(ctx, `DELETE FROM sanctions WHERE kind = ? AND target = ?`, kind, target); err != nil {
		return fmt.Errorf("remove %s of %s: %w", kind, target, err)
	}
	return nil
}

// Setting implements store.Store.
func (d *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := d.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", name, err)
	}
	return v, nil
}

// PutSetting implements store.Store.
func (d *DB) PutSetting(ctx context.Context, name, value string) error {
	var err error
	if value == "" {
		_, err = d.exec(ctx, `DELETE FROM settings WHERE name = ?`, name)
	} else {
		_, err = d.exec(ctx, `INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)`, name, value)
	}
	if err != nil {
		return fmt.Errorf("store setting %s: %w", name, err)
	}
	return nil
}

// Ignores implements store.Store.
func (d *DB) Ignores(ctx context.Context, owner string) ([]store.Ignore, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT author, nick FROM ignores WHERE owner = ?`, owner)
	if err != nil {
		return nil, fmt.Errorf("read ignores: %w", err)
	}
	defer rows.Close()
	var out []store.Ignore
	for rows.Next() {
		var ig store.Ignore
		if err := rows.Scan(&ig.Author, &ig.Nick); err != nil {
			return nil, fmt.Errorf("read ignores: %w", err)
		}
		out = append(out, ig)
	}
	return out, rows.Err()
}

// PutIgnore implements store.Store.
func (d *DB) PutIgnore(ctx context.Context, owner string, ig store.Ignore) error {
	if _, err := d.exec(ctx, `INSERT OR REPLACE INTO ignores (owner, author, nick) VALUES (?, ?, ?)`,
		owner, ig.Author, ig.Nick); err != nil {
		return fmt.Errorf("store ignore: %w", err)
	}
	return nil
}

// DeleteIgnore implements store.Store.
func (d *DB) DeleteIgnore(ctx context.Context, owner, author string) error {
	if _, err := d.exec(ctx, `DELETE FROM ignores WHERE owner = ? AND author = ?`, owner, author); err != nil {
		return fmt.Errorf("remove ignore: %w", err)
	}
	return nil
}
