package keyfile

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newKey(t *testing.T) (line, fp string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k))), gossh.FingerprintSHA256(k)
}

func TestLoadSkipsWhatIsNotAKey(t *testing.T) {
	a, fa := newKey(t)
	b, fb := newKey(t)
	_, fc := newKey(t)
	path := filepath.Join(t.TempDir(), "ops")
	content := "# operators\n\n" + a + " alice@laptop\nnot a key at all\n" + `no-pty,command="x" ` + b + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s, skipped, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Contains(fa) || !s.Contains(fb) || s.Contains(fc) || s.Len() != 2 {
		t.Fatalf("set holds %d keys; a=%v b=%v c=%v", s.Len(), s.Contains(fa), s.Contains(fb), s.Contains(fc))
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0], ":4: not a public key") {
		t.Fatalf("skipped %q", skipped)
	}
	if _, _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing file loaded")
	}
}

func TestWatchFollowsEditsAndReplacements(t *testing.T) {
	a, fa := newKey(t)
	b, fb := newKey(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "allow")
	if err := os.WriteFile(path, []byte(a+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _, err := Load(path)
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
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for !cond() {
			select {
			case <-reloads:
			case <-timeout:
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}

	// An edit in place.
	if err := os.WriteFile(path, []byte(a+"\n"+b+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor("b to be added", func() bool { return s.Contains(fb) })

	// An editor's save: write a new file, rename it over the old one.
	tmp := filepath.Join(dir, ".allow.swp")
	if err := os.WriteFile(tmp, []byte(b+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	waitFor("a to be removed", func() bool { return !s.Contains(fa) && s.Contains(fb) })

	// Removing the file takes every key away.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitFor("the set to empty", func() bool { return s.Len() == 0 })
	cancel()
}

// utf16Text encodes s as UTF-16 with a byte order mark, as Windows
// PowerShell's ">" and Notepad's "UTF-16 LE"/"UTF-16 BE" save it.
func utf16Text(s string, bigEndian bool) []byte {
	out := []byte{0xFF, 0xFE}
	if bigEndian {
		out = []byte{0xFE, 0xFF}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// Notepad and PowerShell start a UTF-8 file with a byte order mark and end
// lines with CRLF: the first key must not be lost to the mark.
func TestReadsAFileSavedOnWindows(t *testing.T) {
	a, fa := newKey(t)
	b, fb := newKey(t)
	path := filepath.Join(t.TempDir(), "allow")
	if err := os.WriteFile(path, []byte("\ufeff"+a+" alice@laptop\r\n"+b+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, skipped, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Contains(fa) || !s.Contains(fb) || s.Len() != 2 || len(skipped) != 0 {
		t.Fatalf("set holds %d keys; a=%v b=%v; skipped %q", s.Len(), s.Contains(fa), s.Contains(fb), skipped)
	}
}

// A file saved as UTF-16 cannot be read as keys: it is refused with how to
// save it, not read as a file of junk lines (an empty allowlist).
func TestRefusesUTF16(t *testing.T) {
	a, _ := newKey(t)
	for _, big := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "allow")
		if err := os.WriteFile(path, utf16Text(a+"\r\n", big), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), "UTF-16") || !strings.Contains(err.Error(), "Set-Content -Encoding utf8") {
			t.Fatalf("big endian %v: err = %v, want a refusal saying how to save it as UTF-8", big, err)
		}
	}
}

// A reload that meets a UTF-16 file keeps the keys read before and says why.
func TestReloadKeepsTheKeysWhenTheFileTurnsUTF16(t *testing.T) {
	a, fa := newKey(t)
	path := filepath.Join(t.TempDir(), "ops")
	if err := os.WriteFile(path, []byte(a+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, utf16Text(a+"\r\n", false), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reload(); err == nil || !strings.Contains(err.Error(), "UTF-16") {
		t.Fatalf("reload err = %v, want a UTF-16 refusal", err)
	}
	if !s.Contains(fa) || s.Len() != 1 {
		t.Fatalf("after the refused reload the set holds %d keys, a=%v", s.Len(), s.Contains(fa))
	}
}
