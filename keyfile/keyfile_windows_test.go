package keyfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Windows file names are case-insensitive: --allowlist C:\chat\ALLOW.txt
// names the file allow.txt, and the change notices carry the name as it is
// on disk. Edits must still be followed.
func TestWatchFollowsAFileNamedInAnotherCase(t *testing.T) {
	a, fa := newKey(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "allow.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _, err := Load(filepath.Join(strings.ToUpper(dir[:1])+dir[1:], "ALLOW.TXT"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reloads := make(chan error, 1)
	done, err := s.Watch(ctx, func(_ []string, err error) {
		select {
		case reloads <- err:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// Before the folder is removed: Windows cannot remove a watched one.
	t.Cleanup(func() { cancel(); <-done })
	if err := os.WriteFile(filepath.Join(dir, "allow.txt"), []byte(a+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(10 * time.Second)
	for !s.Contains(fa) {
		select {
		case <-reloads:
		case <-timeout:
			t.Fatal("the edit was not noticed")
		}
	}
}
