package hostkeys

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestCreatesOnceThenReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	first, err := Load(dir)
	if err != nil || !first.Created {
		t.Fatalf("first load: %+v err=%v", first, err)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, FileName): 0o600} {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != want {
				t.Errorf("%s mode %o, want %o", path, got, want)
			}
		}
	}
	second, err := Load(dir)
	if err != nil || second.Created || len(second.Warnings) != 0 {
		t.Fatalf("second load: %+v err=%v", second, err)
	}
	if Fingerprint(first) != Fingerprint(second) {
		t.Fatalf("fingerprint changed: %s then %s", Fingerprint(first), Fingerprint(second))
	}
	if !strings.HasPrefix(Fingerprint(first), "SHA256:") {
		t.Fatalf("fingerprint %q", Fingerprint(first))
	}
}

func TestRefusesCorruptKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want a clear 'corrupt' error naming the file", err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "garbage") {
		t.Fatal("the corrupt key was replaced")
	}
}

func TestRefusesUnreadableKey(t *testing.T) {
	// A folder where the key file should be cannot be read as a file by
	// anyone, root included, on every OS.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, FileName), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "refusing to start") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}
