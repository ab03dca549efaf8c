package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
	"github.com/chatroom/chatroom/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func reopen(t *testing.T, db *DB) *DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(db.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	return again
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) },
		func(t *testing.T, s store.Store) store.Store { return reopen(t, s.(*DB)) })
}

func TestHistoryContract(t *testing.T) {
	storetest.RunHistory(t, func(t *testing.T) store.History { return openTemp(t) },
		func(t *testing.T, h store.History) store.History { return reopen(t, h.(*DB)) })
}

func TestRefusesAFileThatIsNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte(strings.Repeat("this is not sqlite\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), "corrupt or not a chatroom database") {
		t.Fatalf("err = %v", err)
	}
}

func TestRefusesASecondDaemon(t *testing.T) {
	first := openTemp(t)
	_, err := Open(first.path)
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second open: %v", err)
	}
}

func TestRefusesANewerSchema(t *testing.T) {
	db := openTemp(t)
	if _, err := db.db.Exec(`UPDATE schema_version SET version = 999`); err != nil {
		t.Fatal(err)
	}
	path := db.path
	db.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer than this chatroom knows") {
		t.Fatalf("err = %v", err)
	}
}

// A database written by the first release (schema 1: owners, bans,
// settings, ignores) opens in this one with its data, and gains history.
func TestMigratesFromTheFirstSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := open(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	must(t, old.ClaimNick(ctx, "alice", "alice", "SHA256:a", at))
	must(t, old.PutSanction(ctx, store.Sanction{Kind: store.Ban, Target: "10.0.0.1", Nick: "troll", By: "op", Since: at}))
	must(t, old.PutSetting(ctx, "motd", "welcome"))
	if _, err := old.db.Exec(`SELECT 1 FROM messages`); err == nil {
		t.Fatal("schema 1 already has messages: the test does not test a migration")
	}
	old.Close()

	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if owner, _ := db.NickOwner(ctx, "alice"); owner != "SHA256:a" {
		t.Fatalf("nick owner lost: %q", owner)
	}
	if bans, _ := db.Sanctions(ctx); len(bans) != 1 || bans[0].Nick != "troll" {
		t.Fatalf("bans lost: %+v", bans)
	}
	if motd, _ := db.Setting(ctx, "motd"); motd != "welcome" {
		t.Fatalf("motd lost: %q", motd)
	}
	must(t, db.Append(ctx, "lobby", message.Message{Seq: 1, Time: at, Kind: message.Chat, Nick: "alice", Text: "first words"}))
	if got, _, _ := db.Search(ctx, "lobby", "words", 0, 5); len(got) != 1 {
		t.Fatal("search does not work after migrating")
	}
	var version int
	must(t, db.db.QueryRow(`SELECT version FROM schema_version`).Scan(&version))
	if version != len(migrations) {
		t.Fatalf("schema version %d, want %d", version, len(migrations))
	}
}

// The file can be backed up while the daemon has it open, as the README
// says (sqlite3 chatroom.db .backup): SQLite's VACUUM INTO does the same
// from a second connection.
func TestBackupWhileOpen(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	must(t, db.Append(ctx, "lobby", message.Message{Seq: 1, Time: time.Now(), Kind: message.Chat, Nick: "a", Text: "keep me"}))
	backup := filepath.Join(t.TempDir(), "backup.db")
	if _, err := db.db.Exec(`VACUUM INTO ?`, backup); err != nil {
		t.Fatal(err)
	}
	db.Close()
	copied, err := Open(backup)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	if got, _ := copied.After(ctx, "lobby", 0, 0); len(got) != 1 || got[0].Text != "keep me" {
		t.Fatalf("backup holds %+v", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The database lives in the data folder whatever the folder is called:
// characters that mean something in a SQLite URI ('#' ends the path, '?'
// starts parameters, '%41' is an escape) must not move the file elsewhere,
// out of the folder its lock file guards, nor stop it opening.
func TestDataFolderNamesThatMeanSomethingInAURI(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"hash#dir", "what?dir", "pct%41dir", "with space", "ünïcødé 聊天", "all #?%41 &=;"} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, name)
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, FileName)
			db, err := Open(path)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			must(t, db.Append(ctx, "lobby", message.Message{Seq: 1, Time: time.Now(), Kind: message.Chat, Nick: "a", Text: "still here"}))
			// The busy timeout is one of the URI's parameters: it must
			// have been applied, not taken as part of the file name.
			var busy int
			must(t, db.db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy))
			if busy != 5000 {
				t.Errorf("busy_timeout = %d: the URI's parameters were not applied", busy)
			}
			must(t, db.Close())

			// Only the database, its lock file and WAL files, in the folder;
			// nothing beside it.
			for _, p := range []string{path, path + ".lock"} {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%s: %v", p, err)
				}
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("files beside the data folder: %q", names)
			}

			again, err := Open(path)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer again.Close()
			if got, err := again.After(ctx, "lobby", 0, 0); err != nil || len(got) != 1 || got[0].Text != "still here" {
				t.Fatalf("after a restart: %+v, %v", got, err)
			}
		})
	}
}

// A database of schema 3 gains, in place, whose doing each membership was
// and which rooms are kept: a conversation its key never wrote in was the
// other party's doing, and a room with a topic or invite-only is kept.
func TestMigratesMembershipsAndRoomsFromSchema3(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := open(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	vic, ann, bob := "SHA256:vic+/1", "SHA256:ann", "SHA256:zed"
	answered, unanswered, opened := "dm:"+ann+"|"+vic, "dm:"+vic+"|"+bob, "dm:"+vic+"|SHA256:new"
	for _, m := range []struct {
		room, author string
		kind         message.Kind
	}{
		{answered, ann, message.Chat}, {answered, vic, message.Chat}, // vic answered ann
		{unanswered, bob, message.Chat}, {unanswered, vic, message.Join}, // vic never wrote to bob
		{opened, vic, message.Action}, // vic wrote first
	} {
		seq, _ := old.LastSeq(ctx, m.room)
		must(t, old.Append(ctx, m.room, message.Message{Seq: seq + 1, Time: at, Kind: m.kind, Author: m.author, Text: "x"}))
	}
	for _, q := range []string{
		`INSERT INTO memberships (key, room, cursor, label) VALUES ('` + vic + `', 'lobby', 3, '')`,
		`INSERT INTO memberships (key, room, cursor, label) VALUES ('` + vic + `', '` + answered + `', 2, '@ann')`,
		`INSERT INTO memberships (key, room, cursor, label) VALUES ('` + vic + `', '` + unanswered + `', 0, '@zed')`,
		`INSERT INTO memberships (key, room, cursor, label) VALUES ('` + vic + `', '` + opened + `', 1, '@new')`,
		`INSERT INTO memberships (key, room, cursor, label) VALUES ('` + bob + `', '` + unanswered + `', 1, '@vic')`,
		`INSERT INTO rooms (name, topic, invite_only) VALUES ('plain', '', 0), ('topical', 'cats', 0), ('club', '', 1)`,
	} {
		if _, err := old.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Memberships(ctx, vic)
	must(t, err)
	want := []store.Membership{{Room: "lobby", Cursor: 3}, {Room: answered, Cursor: 2, Label: "@ann"},
		{Room: unanswered, Label: "@zed", From: bob}, {Room: opened, Cursor: 1, Label: "@new"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("vic's memberships after migrating:\n got %+v\nwant %+v", got, want)
	}
	if got, _ := db.Memberships(ctx, bob); len(got) != 1 || got[0].From != "" {
		t.Fatalf("bob, who wrote first, has %+v", got)
	}
	if n, _ := db.Unanswered(ctx, bob); n != 1 {
		t.Fatalf("Unanswered(bob) = %d, want 1", n)
	}
	for name, kept := range map[string]bool{"plain": false, "topical": true, "club": true} {
		if info, ok, _ := db.RoomInfo(ctx, name); !ok || info.Kept != kept || !info.EmptySince.IsZero() {
			t.Fatalf("room %s after migrating: %+v, want kept %v", name, info, kept)
		}
	}
}
