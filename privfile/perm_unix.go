//go:build !windows

package privfile

import (
	"fmt"
	"os"
)

// MkdirAll creates dir and any missing folders above it, mode 0700. A
// folder that exists is left as it is.
func MkdirAll(dir string) error {
	return os.MkdirAll(dir, 0o700)
}

// Create creates a new file, mode 0600, for writing; it fails if the file
// exists.
func Create(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// Check reports whether users other than the file's owner may read it, or
// write it: nil if none may.
func Check(path string) (*Exposure, error) {
	return check(path, "600")
}

// CheckDir reports whether users other than the folder's owner may open
// it, and so read what is in it that does not forbid them itself: nil if
// none may.
func CheckDir(dir string) (*Exposure, error) {
	return check(dir, "700")
}

func check(path, private string) (*Exposure, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 == 0 {
		return nil, nil
	}
	return &Exposure{
		Who: fmt.Sprintf("other users (mode %04o)", info.Mode().Perm()),
		Fix: "chmod " + private + " " + path,
	}, nil
}
