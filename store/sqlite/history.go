package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// Append implements store.History. The message is committed before it
// returns, so it is on disk before anyone is woken to read it.
func (d *DB) Append(ctx context.Context, rm string, m message.Message) error {
	_, err := d.exec(ctx, `INSERT INTO messages (room, seq, time, kind, nick, author, text) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		rm, m.Seq, m.Time.UnixMilli(), int(m.Kind), m.Nick, m.Author, m.Text)
	if err != nil {
		return fmt.Errorf("store message %d of %s: %w", m.Seq, rm, err)
	}
	return nil
}

const messageColumns = `seq, time, kind, nick, author, text`

func (d *DB) messages(ctx context.Context, rm, query string, args ...any) ([]message.Message, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read messages of %s: %w", rm, err)
	}
	defer rows.Close()
	var out []message.Message
	for rows.Next() {
		var m message.Message
		var at int64
		var kind int
		if err := rows.Scan(&m.Seq, &at, &kind, &m.Nick, &m.Author, &m.Text); err != nil {
			return nil, fmt.Errorf("read messages of %s: %w", rm, err)
		}
		m.Room, m.Time, m.Kind = rm, time.UnixMilli(at), message.Kind(kind)
		out = append(out, m)
	}
	return out, rows.Err()
}

// After implements store.History.
func (d *DB) After(ctx context.Context, rm string, seq uint64, limit int) ([]message.Message, error) {
	if limit <= 0 {
		limit = -1
	}
	return d.messages(ctx, rm, `SELECT `+messageColumns+` FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?`, rm, seq, limit)
}

// Before implements store.History.
func (d *DB) Before(ctx context.Context, rm string, seq uint64, limit int) ([]message.Message, error) {
	if limit <= 0 {
		limit = -1
	}
	msgs, err := d.messages(ctx, rm, `SELECT `+messageColumns+` FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, rm, seq, limit)
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	return msgs, err
}

// LastSeq implements store.History.
func (d *DB) LastSeq(ctx context.Context, rm string) (uint64, error) {
	var seq uint64
	if err := d.db.QueryRowContext(ctx, `SELECT MAX(
			COALESCE((SELECT MAX(seq) FROM messages WHERE room = ?), 0),
			COALESCE((SELECT last FROM room_seqs WHERE room = ?), 0))`, rm, rm).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read the last message of %s: %w", rm, err)
	}
	return seq, nil
}

// Search implements store.History with SQLite's full-text index. Each word
// of the query must appear; the words are quoted, so no query is a syntax
// error.
func (d *DB) Search(ctx context.Context, rm, query string, before uint64, limit int) ([]message.Message, int, error) {
	var terms []string
	for _, w := range strings.Fields(query) {
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	if len(terms) == 0 {
		return nil, 0, nil
	}
	if limit <= 0 {
		limit = -1
	}
	if before == 0 {
		before = math.MaxInt64
	}
	match := strings.Join(terms, " ")
	const where = ` FROM messages_fts f JOIN messages m ON m.id = f.rowid
		WHERE messages_fts MATCH ? AND m.room = ? AND m.kind IN (?, ?)`
	var total int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*)`+where, match, rm, int(message.Chat), int(message.Action)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count matches in %s: %w", rm, err)
	}
	found, err := d.messages(ctx, rm, `SELECT m.seq, m.time, m.kind, m.nick, m.author, m.text`+where+`
		AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`, match, rm, int(message.Chat), int(message.Action), before, limit)
	return found, total, err
}

// pruneBatch is how many messages one pruning statement deletes: small, so
// that posting, which waits for the write lock, waits only a moment.
const pruneBatch = 500

// Prune implements store.History, in small batches.
func (d *DB) Prune(ctx context.Context, rm string, before time.Time, keep int) (int, error) {
	var upTo uint64 // delete seq <= upTo
	if keep > 0 {
		last, err := d.LastSeq(ctx, rm)
		if err != nil {
			return 0, err
		}
		if last > uint64(keep) {
			upTo = last - uint64(keep)
		}
	}
	if !before.IsZero() {
		var seq uint64
		err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ? AND time < ?`, rm, before.UnixMilli()).Scan(&seq)
		if err != nil {
			return 0, fmt.Errorf("prune %s: %w", rm, err)
		}
		upTo = max(upTo, seq)
	}
	if upTo == 0 {
		return 0, nil
	}
	// Remember how far the room has numbered before its newest messages
	// may go.
	if _, err := d.exec(ctx, `INSERT INTO room_seqs (room, last)
		SELECT room, MAX(seq) FROM messages WHERE room = ? GROUP BY room
		ON CONFLICT (room) DO UPDATE SET last = MAX(last, excluded.last)`, rm); err != nil {
		return 0, fmt.Errorf("prune %s: %w", rm, err)
	}
	total := 0
	for upTo > 0 {
		res, err := d.exec(ctx, `DELETE FROM messages WHERE id IN (
			SELECT id FROM messages WHERE room = ? AND seq <= ? ORDER BY seq LIMIT ?)`, rm, upTo, pruneBatch)
		if err != nil {
			return total, fmt.Errorf("prune %s: %w", rm, err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < pruneBatch {
			break
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
	return total, nil
}

// Rooms implements store.History.
func (d *DB) Rooms(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT room FROM messages ORDER BY room`)
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// Spoken implements store.History.
func (d *DB) Spoken(ctx context.Context, rm string) (bool, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE room = ? AND kind IN (?, ?) LIMIT 1)`,
		rm, int(message.Chat), int(message.Action)).Scan(&n); err != nil {
		return false, fmt.Errorf("read messages of %s: %w", rm, err)
	}
	return n > 0, nil
}

// DeleteRoom implements store.History.
func (d *DB) DeleteRoom(ctx context.Context, rm string) error {
	for _, q := range []string{`DELETE FROM messages WHERE room = ?`, `DELETE FROM room_seqs WHERE room = ?`} {
		if _, err := d.exec(ctx, q, rm); err != nil {
			return fmt.Errorf("delete the messages of %s: %w", rm, err)
		}
	}
	return nil
}

// Memberships implements store.Store.
func (d *DB) Memberships(ctx context.Context, key string) ([]store.Membership, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT room, cursor, label, opened_by FROM memberships WHERE key = ? ORDER BY rowid`, key)
	if err != nil {
		return nil, fmt.Errorf("read rooms of %s: %w", key, err)
	}
	defer rows.Close()
	var out []store.Membership
	for rows.Next() {
		var ms store.Membership
		if err := rows.Scan(&ms.Room, &ms.Cursor, &ms.Label, &ms.From); err != nil {
			return nil, err
		}
		out = append(out, ms)
	}
	return out, rows.Err()
}

// PutMembership implements store.Store.
func (d *DB) PutMembership(ctx context.Context, key string, ms store.Membership) error {
	_, err := d.exec(ctx, `INSERT INTO memberships (key, room, cursor, label, opened_by) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (key, room) DO UPDATE SET
			cursor = MAX(cursor, excluded.cursor),
			label  = CASE WHEN excluded.label = '' THEN label ELSE excluded.label END`,
		key, ms.Room, ms.Cursor, ms.Label, ms.From)
	if err != nil {
		return fmt.Errorf("store room %s of %s: %w", ms.Room, key, err)
	}
	return nil
}

// Answered implements store.Store.
func (d *DB) Answered(ctx context.Context, key, rm string) error {
	if _, err := d.exec(ctx, `UPDATE memberships SET opened_by = '' WHERE key = ? AND room = ? AND opened_by != ''`,
		key, rm); err != nil {
		return fmt.Errorf("record that %s wrote in %s: %w", key, rm, err)
	}
	return nil
}

// Unanswered implements store.Store.
func (d *DB) Unanswered(ctx context.Context, from string) (int, error) {
	var n int
	// "opened_by != ''" lets SQLite use the partial index.
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE opened_by = ? AND opened_by != ''`,
		from).Scan(&n); err != nil {
		return 0, fmt.Errorf("count conversations %s opened: %w", from, err)
	}
	return n, nil
}

// SaveRead implements store.Store.
func (d *DB) SaveRead(ctx context.Context, key, rm string, cursor uint64) error {
	if _, err := d.exec(ctx, `UPDATE memberships SET cursor = MAX(cursor, ?) WHERE key = ? AND room = ?`,
		cursor, key, rm); err != nil {
		return fmt.Errorf("save read position in %s of %s: %w", rm, key, err)
	}
	return nil
}

// SaveReads implements store.Store.
func (d *DB) SaveReads(ctx context.Context, key string, reads []store.Membership) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for _, read := range reads {
			if _, err := tx.ExecContext(ctx, `UPDATE memberships SET cursor = MAX(cursor, ?) WHERE key = ? AND room = ?`,
				read.Cursor, key, read.Room); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save read positions of %s: %w", key, err)
	}
	return nil
}

// DeleteMembership implements store.Store.
func (d *DB) DeleteMembership(ctx context.Context, key, rm string) error {
	if _, err := d.exec(ctx, `DELETE FROM memberships WHERE key = ? AND room = ?`, key, rm); err != nil {
		return fmt.Errorf("forget room %s of %s: %w", rm, key, err)
	}
	return nil
}

// roomColumns are the columns a store.RoomInfo is read from, by scanRoom.
const roomColumns = `name, topic, invite_only, kept, empty_since`

func scanRoom(scan func(...any) error) (store.RoomInfo, error) {
	var info store.RoomInfo
	var emptySince int64
	if err := scan(&info.Name, &info.Topic, &info.InviteOnly, &info.Kept, &emptySince); err != nil {
		return info, err
	}
	if emptySince != 0 {
		info.EmptySince = time.UnixMilli(emptySince).UTC()
	}
	return info, nil
}

// RoomInfo implements store.Store.
func (d *DB) RoomInfo(ctx context.Context, name string) (store.RoomInfo, bool, error) {
	info, err := scanRoom(d.db.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM rooms WHERE name = ?`, name).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return store.RoomInfo{Name: name}, false, nil
	}
	if err != nil {
		return store.RoomInfo{Name: name}, false, fmt.Errorf("read room %s: %w", name, err)
	}
	return info, true, nil
}

// PutRoomInfo implements store.Store.
func (d *DB) PutRoomInfo(ctx context.Context, info store.RoomInfo) error {
	if _, err := d.exec(ctx, `INSERT INTO rooms (name, topic, invite_only, kept, empty_since) VALUES (?, ?, ?, ?, 0)
		ON CONFLICT (name) DO UPDATE SET
			topic = excluded.topic, invite_only = excluded.invite_only, kept = MAX(kept, excluded.kept)`,
		info.Name, info.Topic, info.InviteOnly, info.Kept); err != nil {
		return fmt.Errorf("store room %s: %w", info.Name, err)
	}
	return nil
}

// MarkRoomEmpty implements store.Store.
func (d *DB) MarkRoomEmpty(ctx context.Context, name string, since time.Time) error {
	var ms int64
	if !since.IsZero() {
		ms = since.UnixMilli()
	}
	if _, err := d.exec(ctx, `UPDATE rooms SET empty_since = ? WHERE name = ?`, ms, name); err != nil {
		return fmt.Errorf("mark room %s empty: %w", name, err)
	}
	return nil
}

// RoomInfos implements store.Store.
func (d *DB) RoomInfos(ctx context.Context) ([]store.RoomInfo, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+roomColumns+` FROM rooms ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	defer rows.Close()
	var out []store.RoomInfo
	for rows.Next() {
		info, err := scanRoom(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("list rooms: %w", err)
		}
		out = append(out, info)
	}
	return out, rows.Err()
}

// DeleteRoomInfo implements store.Store.
func (d *DB) DeleteRoomInfo(ctx context.Context, name string) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM rooms WHERE name = ?`, `DELETE FROM invites WHERE room = ?`, `DELETE FROM memberships WHERE room = ?`} {
			if _, err := tx.ExecContext(ctx, q, name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete room %s: %w", name, err)
	}
	return nil
}

// Invite implements store.Store.
func (d *DB) Invite(ctx context.Context, rm string, keys ...string) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		for _, key := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO invites (room, key) VALUES (?, ?)`, rm, key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("invite %s to %s: %w", strings.Join(keys, ", "), rm, err)
	}
	return nil
}

// Invited implements store.Store.
func (d *DB) Invited(ctx context.Context, rm, key string) (bool, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM invites WHERE room = ? AND key = ?`, rm, key).Scan(&n); err != nil {
		return false, fmt.Errorf("read invitations to %s: %w", rm, err)
	}
	return n > 0, nil
}

// Uninvite implements store.Store.
func (d *DB) Uninvite(ctx context.Context, rm, key string) error {
	if _, err := d.exec(ctx, `DELETE FROM invites WHERE room = ? AND key = ?`, rm, key); err != nil {
		return fmt.Errorf("withdraw the invitation of %s to %s: %w", key, rm, err)
	}
	return nil
}
