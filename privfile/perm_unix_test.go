//go:build !windows

package privfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestUnixModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "data")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "key")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s mode %o, want %o", p, got, want)
		}
	}
	if _, err := Create(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second Create: err = %v, want ErrExist", err)
	}
	if e, err := Check(path); e != nil || err != nil {
		t.Errorf("private file: %+v, %v", e, err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	e, err := Check(path)
	if err != nil || e == nil || e.Who != "other users (mode 0640)" || e.Fix != "chmod 600 "+path {
		t.Errorf("mode 0640: %+v, %v", e, err)
	}
}
