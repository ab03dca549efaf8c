package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"crypto/ed25519"
	"crypto/rand"

	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/hostkeys"
)

// The test binary doubles as the daemon: with CHATROOM_MAIN=1 it runs main
// with the arguments in CHATROOM_ARGS, so tests drive the real process,
// signals and exit code included.
func TestMain(m *testing.M) {
	if os.Getenv("CHATROOM_MAIN") == "1" {
		os.Exit(run(strings.Fields(os.Getenv("CHATROOM_ARGS")), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

type daemon struct {
	cmd    *exec.Cmd
	stdout *lineWaiter
	stderr *lineWaiter
	done   chan error
}

func startDaemon(t *testing.T, args ...string) *daemon {
	t.Helper()
	return startDaemonWith(t, nil, args...)
}

// startDaemonWith is startDaemon, with adjust (if not nil) changing the
// command before it starts.
func startDaemonWith(t *testing.T, adjust func(*exec.Cmd), args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CHATROOM_MAIN=1", "CHATROOM_ARGS="+strings.Join(args, " "))
	if adjust != nil {
		adjust(cmd)
	}
	d := &daemon{cmd: cmd, stdout: newLineWaiter(), stderr: newLineWaiter(), done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = d.stdout, d.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-d.done
		d.done <- nil
	})
	return d
}

// wait waits for the process to exit and returns its exit code.
func (d *daemon) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-d.done:
		d.done <- err
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("daemon still running after %v; stderr:\n%s", within, d.stderr)
		return -1
	}
}

// lineWaiter collects output and lets a test wait for a substring.
type lineWaiter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLineWaiter() *lineWaiter { return &lineWaiter{changed: make(chan struct{}, 1)} }

func (w *lineWaiter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *lineWaiter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitFor waits until the output contains s and returns the line holding it.
func (w *lineWaiter) waitFor(t *testing.T, s string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		out := w.String()
		if i := strings.Index(out, s); i >= 0 {
			line, _, _ := strings.Cut(out[i:], "\n")
			return line
		}
		select {
		case <-w.changed:
		case <-timeout:
			t.Fatalf("timed out waiting for %q in:\n%s", s, out)
		}
	}
}

func TestStartsPrintsFingerprintAndShutsDownCleanly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", dir)
	addr := strings.TrimSpace(strings.TrimPrefix(strings.Fields(d.stdout.waitFor(t, "chatroom is listening on "))[4], ""))
	fpLine := d.stdout.waitFor(t, "host key fingerprint (new): SHA256:")
	joinLine := d.stdout.waitFor(t, "join with: ssh -p ")
	_, port, _ := strings.Cut(addr, ":")
	if joinLine != "join with: ssh -p "+port+" 127.0.0.1" {
		t.Fatalf("join line %q for %s", joinLine, addr)
	}
	signer, err := hostkeys.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(fpLine, hostkeys.Fingerprint(signer)) {
		t.Fatalf("printed %q, key on disk is %s", fpLine, hostkeys.Fingerprint(signer))
	}

	// One person in the room when the signal arrives.
	out := connect(t, addr, signer.PublicKey())
	out.waitFor(t, "Welcome to chatroom!")
	d.stderr.waitFor(t, "127.0.0.1 connected")

	start := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := d.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM; stderr:\n%s", code, d.stderr)
	}
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	out.waitFor(t, "chatroom: server is shutting down")
	d.stderr.waitFor(t, `reason="server shutdown"`)
}

func TestRestartKeepsTheHostKey(t *testing.T) {
	dir := t.TempDir()
	first := startDaemon(t, "--listen", "127.0.0.1:0", "--data", dir)
	fp := strings.TrimPrefix(first.stdout.waitFor(t, "host key fingerprint (new): "), "host key fingerprint (new): ")
	_ = first.cmd.Process.Signal(syscall.SIGTERM)
	first.wait(t, 5*time.Second)

	second := startDaemon(t, "--listen", "127.0.0.1:0", "--data", dir)
	again := strings.TrimPrefix(second.stdout.waitFor(t, "host key fingerprint (existing): "), "host key fingerprint (existing): ")
	if again != fp {
		t.Fatalf("fingerprint changed across restart: %s then %s", fp, again)
	}
}

// Two daemons on one data folder would corrupt each other's history: the
// second is refused, clearly, and the first carries on.
func TestSecondDaemonOnTheSameDataIsRefused(t *testing.T) {
	dir := t.TempDir()
	first := startDaemon(t, "--listen", "127.0.0.1:0", "--data", dir)
	first.stdout.waitFor(t, "chatroom is listening on ")
	second := startDaemon(t, "--listen", "127.0.0.1:0", "--data", dir)
	if code := second.wait(t, 10*time.Second); code != 1 {
		t.Fatalf("second daemon: exit %d", code)
	}
	second.stderr.waitFor(t, "is in use by another process")
	_ = first.cmd.Process.Signal(syscall.SIGTERM)
	if code := first.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("first daemon: exit %d", code)
	}
}

func TestRefusesCorruptHostKey(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, hostkeys.FileName), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", dir)
	if code := d.wait(t, 10*time.Second); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	d.stderr.waitFor(t, "is corrupt")
}

func TestFlags(t *testing.T) {
	if code := run([]string{"--help"}, io.Discard, io.Discard); code != 0 {
		t.Errorf("--help exit %d", code)
	}
	var stderr bytes.Buffer
	if code := run([]string{"--nope"}, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), "-nope") || !strings.Contains(stderr.String(), "Usage: chatroom") {
		t.Errorf("bad flag: exit %d, stderr %q", code, stderr.String())
	}
	if code := run([]string{"extra"}, io.Discard, &stderr); code != 2 {
		t.Errorf("stray argument: exit %d", code)
	}
	for _, c := range []struct{ args, want string }{
		{"--retain 5x", "not a duration"},
		{"--retain 30s", "at least 1m"},
		{"--retain-messages -1", "cannot be negative"},
	} {
		stderr.Reset()
		if code := run(strings.Fields(c.args), io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q", c.args, code, stderr.String())
		}
	}
	if o, err := parseFlags([]string{"--retain", "2w", "--retain-messages", "500", "--data", "x"}, io.Discard); err != nil ||
		o.retain != 14*24*time.Hour || o.retainMessages != 500 {
		t.Errorf("--retain 2w --retain-messages 500 gave %v, %d, %v", o.retain, o.retainMessages, err)
	}
	if code := run([]string{"--listen", "256.0.0.1:99999", "--data", t.TempDir()}, io.Discard, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "listen on 256.0.0.1:99999") {
		t.Errorf("bad address: exit %d, stderr %q", code, stderr.String())
	}
}

// connect opens a PTY session as alice and returns its output.
func connect(t *testing.T, addr string, hostKey gossh.PublicKey) *lineWaiter {
	t.Helper()
	return connectAs(t, addr, hostKey, "alice", newSigner(t)).out
}

// The operators file is re-read on SIGHUP: a key added to it gains the
// operator commands without a restart.
func TestOperatorsFileReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	opsPath := filepath.Join(dir, "ops")
	if err := os.WriteFile(opsPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--ops", opsPath)
	addr := strings.Fields(d.stdout.waitFor(t, "chatroom is listening on "))[4]
	host, err := hostkeys.Load(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	aliceKey := newSigner(t)
	alice := connectAs(t, addr, host.PublicKey(), "alice", aliceKey)
	bob := connectAs(t, addr, host.PublicKey(), "bob", newSigner(t))
	alice.out.waitFor(t, "Welcome to chatroom!")
	bob.out.waitFor(t, "Welcome to chatroom!")

	alice.typeLine(t, "/kick bob")
	alice.out.waitFor(t, "operators only")

	line := gossh.MarshalAuthorizedKey(aliceKey.PublicKey())
	if err := os.WriteFile(opsPath, line, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.stderr.waitFor(t, "re-read")
	alice.typeLine(t, "\x15/kick bob") // Ctrl+U first: the refused line is still in the input
	d.stderr.waitFor(t, "kick by=alice")
	bob.out.waitFor(t, "you were kicked by alice")
}

type rawClient struct {
	out   *lineWaiter
	stdin io.Writer
	close func() // closes the connection
}

func (c *rawClient) typeLine(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, s+"\r"); err != nil {
		t.Fatal(err)
	}
}

func newSigner(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// connectAs opens a PTY session as user with key, then any other auth
// methods given; its output is raw.
func connectAs(t *testing.T, addr string, hostKey gossh.PublicKey, user string, key gossh.Signer, more ...gossh.AuthMethod) *rawClient {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: user, Auth: append([]gossh.AuthMethod{gossh.PublicKeys(key)}, more...),
		HostKeyCallback: gossh.FixedHostKey(hostKey), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 24, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out := newLineWaiter()
	stdout, _ := sess.StdoutPipe()
	stdin, _ := sess.StdinPipe()
	go func() { _, _ = io.Copy(out, stdout) }()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return &rawClient{out: out, stdin: stdin, close: func() { _ = c.Close() }}
}
