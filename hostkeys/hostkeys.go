// Package hostkeys loads the daemon's ssh host key, creating it on first
// start.
//
// The key is the server's identity: clients pin it in known_hosts, so a key
// that silently changes looks exactly like an attack. This package therefore
// never replaces a key it cannot read; it refuses and says why.
package hostkeys

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	gossh "golang.org/x/crypto/ssh"
)

// FileName is the host key's file name inside the data folder.
const FileName = "ssh_host_ed25519_key"

// Key is a loaded host key.
type Key struct {
	gossh.Signer
	// Path is the key file.
	Path string
	// Created is true when the key was made by this Load.
	Created bool
	// Warnings say what is unsafe about how the key is stored, such as a
	// key file other users can read.
	Warnings []string
}

// Load returns the host key kept in dir, creating dir (mode 0700) and an
// ed25519 key (mode 0600) if there is none yet.
func Load(dir string) (*Key, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		signer, err := create(path)
		if err != nil {
			return nil, err
		}
		return &Key{Signer: signer, Path: path, Created: true}, nil
	case err != nil:
		return nil, fmt.Errorf("read host key %s: %w (refusing to start: fix its permissions, or move it away to create a new key)", path, err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s is corrupt: %w (refusing to start: restore it from a backup, or move it away to create a new key, which clients will see as a changed host key)", path, err)
	}
	return &Key{Signer: signer, Path: path, Warnings: permissionWarnings(path)}, nil
}

// permissionWarnings reports a key file that users other than its owner may
// read. Windows has no such mode bits; its ACLs are left to the host.
func permissionWarnings(path string) []string {
	if runtime.GOOS == "windows" {
		return nil
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm()&0o077 == 0 {
		return nil
	}
	return []string{fmt.Sprintf("host key %s is readable by other users (mode %04o): anyone who can read it can impersonate this server; fix with: chmod 600 %s",
		path, info.Mode().Perm(), path)}
}

func create(path string) (gossh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "chatroom host key")
	if err != nil {
		return nil, fmt.Errorf("encode host key: %w", err)
	}
	// O_EXCL: if another process created the key meanwhile, fail rather than
	// overwrite the key it may already have handed out.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create host key %s: %w", path, err)
	}
	if err := pem.Encode(f, block); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("write host key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("write host key %s: %w", path, err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("use host key: %w", err)
	}
	return signer, nil
}

// Fingerprint returns the key's SHA256 fingerprint as ssh prints it.
func Fingerprint(signer gossh.Signer) string {
	return gossh.FingerprintSHA256(signer.PublicKey())
}
