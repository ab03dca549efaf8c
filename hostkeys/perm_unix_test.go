//go:build !windows

package hostkeys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Mode bits exist only where this file builds; Windows keeps file access in
// ACLs.
func TestWarnsAboutAReadableKey(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	key, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(key.Warnings) != 1 || !strings.Contains(key.Warnings[0], "chmod 600 "+path) {
		t.Fatalf("warnings %q", key.Warnings)
	}
}
