package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/hostkeys"
	"github.com/chatroom/chatroom/store/sqlite"
)

// makeDataFolder runs the daemon once in a new data folder, with someone
// joining, and stops it: a real data folder, host key and database.
func makeDataFolder(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", dir)
	addr := strings.Fields(d.stdout.waitFor(t, "chatroom is listening on "))[4]
	host := hostKeyOf(t, dir)
	connect(t, addr, host).waitFor(t, "Welcome to chatroom!")
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := d.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, d.stderr)
	}
	return dir
}

// A database with a page overwritten in the middle (a disk error, a stray
// write) is refused at startup, saying what is wrong and what to do,
// rather than starting and failing later, mid-chat, with "malformed".
func TestRefusesADamagedDatabase(t *testing.T) {
	dir := makeDataFolder(t)
	path := filepath.Join(dir, sqlite.FileName)

	// Enough history that the middle of the file is messages, written as
	// the daemon writes them.
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 1; i <= 300; i++ {
		text := strings.Repeat(fmt.Sprintf("message %d of the day before the disk went bad ", i), 20)
		if err := db.Append(ctx, "history", message.Message{Seq: uint64(i), Time: time.Now(), Kind: message.Chat, Nick: "alice", Author: "SHA256:a", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("the WAL is still there: overwriting the file may not damage what SQLite reads")
	}

	// The middle one of the pages holding messages.
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var page, pageSize int64
	err = raw.QueryRow(`SELECT pageno FROM dbstat WHERE name = 'messages' AND pagetype = 'leaf' ORDER BY pageno
		LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM dbstat WHERE name = 'messages' AND pagetype = 'leaf')`).Scan(&page)
	if err == nil {
		err = raw.QueryRow(`PRAGMA page_size`).Scan(&pageSize)
	}
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(strings.Repeat("\xde\xad", int(pageSize)/2)), (page-1)*pageSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", dir)
	if code := d.wait(t, 20*time.Second); code != 1 {
		t.Fatalf("exit %d with a damaged database, want 1; stdout:\n%s\nstderr:\n%s", code, d.stdout, d.stderr)
	}
	d.stderr.waitFor(t, "damaged")
	line := lineWith(d.stderr.String(), "damaged")
	t.Logf("refused: %s", line)
	for _, want := range []string{path, "refusing to start", "backup"} {
		if !strings.Contains(line, want) {
			t.Errorf("the refusal does not say %q: %s", want, line)
		}
	}
	if strings.Contains(d.stdout.String(), "listening") {
		t.Errorf("it listened before refusing:\n%s", d.stdout)
	}
}

// hostKeyOf is the public host key of the data folder dir.
func hostKeyOf(t *testing.T, dir string) gossh.PublicKey {
	t.Helper()
	key, err := hostkeys.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return key.PublicKey()
}

// lineWith is the line of out that holds s.
func lineWith(out, s string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
