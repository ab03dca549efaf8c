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
	defer cancel()
	reloads := make(chan error, 1)
	if err := s.Watch(ctx, func(_ []string, err error) {
		select {
		case reloads <- err:
		default:
		}
	}); err != nil {
		t.Fatal(err)
	}
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
