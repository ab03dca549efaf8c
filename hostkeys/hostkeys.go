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

	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/privfile"
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

// Load returns the host key kept in dir, creating dir and an ed25519 key if
// there is none yet, both readable by the account running the daemon only
// (see privfile: modes 0700 and 0600 on Unix, a private ACL on Windows).
func Load(dir string) (*Key, error) {
	if err := privfile.MkdirAll(dir); err != nil {
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

// permissionWarnings reports a key file that accounts other than the one
// running the daemon may read, with the command that fixes it.
func permissionWarnings(path string) []string {
	e, err := privfile.Check(path)
	switch {
	case err != nil:
		return []string{fmt.Sprintf("could not check who may read host key %s: %v", path, err)}
	case e == nil:
		return nil
	}
	return []string{fmt.Sprintf("host key %s is readable by %s: anyone who can read it can impersonate this server; fix with: %s",
		path, e.Who, e.Fix)}
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
	// Create fails if the file exists: if another process created the key
	// meanwhile, fail rather than overwrite the key it may already have
	// handed out.
	f, err := privfile.Create(path)
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
