//go:build unix

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A data folder the daemon cannot write to is refused at startup, saying
// which folder and what to do, rather than starting and failing at the
// first message.
func TestRefusesADataFolderItCannotWrite(t *testing.T) {
	dir := makeDataFolder(t)
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })

	var asUser func(*exec.Cmd)
	if os.Geteuid() == 0 {
		// Root writes whatever the modes say: run the daemon as nobody,
		// owning the folder, as a service account would.
		asUser = runAsNobody(t, dir)
	}
	d := startDaemonWith(t, asUser, "--listen", "127.0.0.1:0", "--data", dir)
	if code := d.wait(t, 20*time.Second); code != 1 {
		t.Fatalf("exit %d with a read-only data folder, want 1; stdout:\n%s\nstderr:\n%s", code, d.stdout, d.stderr)
	}
	d.stderr.waitFor(t, "not writable")
	line := lineWith(d.stderr.String(), "not writable")
	t.Logf("refused: %s", line)
	for _, want := range []string{dir, "--data"} {
		if !strings.Contains(line, want) {
			t.Errorf("the refusal does not say %q: %s", want, line)
		}
	}
	if strings.Contains(d.stdout.String(), "listening") {
		t.Errorf("it listened before refusing:\n%s", d.stdout)
	}
}

// nobody is the unprivileged user tests run the daemon as when they run as
// root.
const nobody = 65534

// runAsNobody gives dir to nobody, copies the test binary where nobody may
// run it, and returns what makes a command run as nobody.
func runAsNobody(t *testing.T, dir string) func(*exec.Cmd) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	})
	if err != nil {
		t.Fatal(err)
	}
	// nobody must reach dir, and the binary, through the two folders
	// above it: t.TempDir's folder for the test, private, directly in the
	// system's temporary folder (never to be touched), and the one made
	// for this call inside it.
	top := filepath.Dir(filepath.Dir(dir))
	if filepath.Dir(top) != filepath.Clean(os.TempDir()) {
		t.Fatalf("%s is not a folder t.TempDir made", top)
	}
	for _, p := range []string{top, filepath.Dir(dir)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(filepath.Dir(dir), "chatroom.test")
	copyFile(t, os.Args[0], bin, 0o755)
	return func(cmd *exec.Cmd) {
		cmd.Path = bin
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
