//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A passphrase file others can read is reported at startup with the chmod
// that fixes it (on Windows, privfile's tests cover the ACL check).
func TestWarnsAboutAPassphraseFileOthersCanRead(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "passphrase.txt")
	if err := os.WriteFile(pass, []byte("open sesame\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(pass, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--passphrase-file", pass)
	d.stderr.waitFor(t, "passphrase file "+pass+" is readable by other users (mode 0644); fix with: chmod 600 "+pass)
}

// A data folder others may open exposes chatroom.db, private messages and
// all: the daemon says so, with the command that fixes it. One it made
// itself is private and draws no warning.
func TestWarnsAboutADataFolderOthersCanOpen(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(data, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", data)
	d.stderr.waitFor(t, "data folder "+data+" can be opened by other users (mode 0755): they can read chatroom.db, private messages included; fix with: chmod 700 "+data)

	private := filepath.Join(t.TempDir(), "made")
	d = startDaemon(t, "--listen", "127.0.0.1:0", "--data", private)
	d.stdout.waitFor(t, "join with:")
	if strings.Contains(d.stderr.String(), "can be opened by") {
		t.Fatalf("a folder the daemon made was reported: %s", d.stderr.String())
	}
}
