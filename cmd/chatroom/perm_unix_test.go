//go:build !windows

package main

import (
	"os"
	"path/filepath"
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
