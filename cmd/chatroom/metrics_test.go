package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/metrics/metricstest"
)

// --metrics is off by default, takes any address it can listen on, and
// warns when that is not loopback. (Tests listen on loopback only, so the
// warning is checked where it is decided; the end-to-end test checks that
// a loopback address gets none.)
func TestMetricsFlag(t *testing.T) {
	if o, err := parseFlags([]string{"--data", "x"}, io.Discard); err != nil || o.metrics != "" {
		t.Fatalf("default: %q, %v", o.metrics, err)
	}
	for addr, loopback := range map[string]bool{"127.0.0.1:9100": true, "[::1]:9100": true, "localhost:9100": true,
		"127.0.0.2:9100": true, "0.0.0.0:9100": false, ":9100": false, "192.168.1.2:9100": false, "example.org:9100": false} {
		if _, err := parseFlags([]string{"--data", "x", "--metrics", addr}, io.Discard); err != nil {
			t.Errorf("--metrics %s: %v", addr, err)
		}
		warning, err := checkMetricsAddr(addr)
		if err != nil || (warning == "") != loopback {
			t.Errorf("--metrics %s: warning %q, %v", addr, warning, err)
		}
		if !loopback && !strings.Contains(warning, "whoever can reach it reads the server's counts") {
			t.Errorf("--metrics %s: the warning does not say what is exposed: %q", addr, warning)
		}
	}
	if _, err := parseFlags([]string{"--data", "x", "--metrics", "127.0.0.1"}, io.Discard); err == nil {
		t.Error("--metrics without a port was accepted")
	}
}

// The real daemon with --metrics: real ssh clients join and talk, and the
// scraped counts move with them; /healthz says ok; a session over
// --max-sessions is counted as refused; the metrics stop with the daemon.
func TestMetricsEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", dir, "--skip-db-check",
		"--metrics", "127.0.0.1:0", "--max-sessions", "2")
	addr := strings.Fields(d.stdout.waitFor(t, "chatroom is listening on "))[4]
	_, url, _ := strings.Cut(d.stderr.waitFor(t, "serving metrics"), "url=")
	url = strings.TrimSpace(url)
	base := strings.TrimSuffix(url, "/metrics")
	if strings.Contains(d.stderr.String(), "not on loopback") {
		t.Errorf("warned about a loopback address:\n%s", d.stderr)
	}
	hostKey := hostKeyOf(t, dir)

	if code, body := httpGet(t, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	before := metricstest.Scrape(t, url)
	value := func(f metricstest.Families, name string, labels ...string) float64 {
		v, _ := f.Value(name, labels...)
		return v
	}
	if v := value(before, "chatroom_sessions", "kind", "full-screen"); v != 0 {
		t.Fatalf("%v sessions before anyone came:\n%s", v, before)
	}

	alice := connectAs(t, addr, hostKey, "alice", newSigner(t))
	bob := connectAs(t, addr, hostKey, "bob", newSigner(t))
	alice.out.waitFor(t, "Welcome to chatroom!")
	bob.out.waitFor(t, "Welcome to chatroom!")
	// A session is counted before its view starts: both are in.
	during := metricstest.Scrape(t, url)
	if v := value(during, "chatroom_sessions", "kind", "full-screen"); v != 2 {
		t.Fatalf("%v full-screen sessions with alice and bob in:\n%s", v, during)
	}

	alice.typeLine(t, "metricsping1")
	bob.typeLine(t, "metricsping2")
	for _, c := range []*rawClient{alice, bob} {
		c.out.waitFor(t, "metricsping1")
		c.out.waitFor(t, "metricsping2")
	}
	// A line is counted as delivered before the view that reads it shows
	// it: both have seen both lines, so all four deliveries are counted.
	after := metricstest.Scrape(t, url)
	if v := value(after, "chatroom_messages_posted_total", "kind", "chat"); v != 2 {
		t.Errorf("%v chat lines posted, want 2:\n%s", v, after)
	}
	if v := value(after, "chatroom_messages_posted_total", "kind", "join"); v != 2 {
		t.Errorf("%v join lines posted, want 2:\n%s", v, after)
	}
	if got := value(after, "chatroom_deliveries_total") - value(during, "chatroom_deliveries_total"); got < 4 {
		t.Errorf("deliveries moved by %v while each of two read two lines:\n%s", got, after)
	}
	if lag := after.Histogram("chatroom_read_lag_messages"); lag == nil || lag.GetSampleCount() < 4 {
		t.Errorf("read lag histogram: %v", lag)
	}
	if w := after.Histogram("chatroom_store_write_seconds"); w == nil || w.GetSampleCount() < 4 {
		t.Errorf("store write histogram: %v", w)
	}

	// A third session is over --max-sessions 2.
	if msg := refusedSession(t, addr, hostKey); !strings.Contains(msg, "chatroom is full") {
		t.Fatalf("third session told %q", msg)
	}
	full := metricstest.Scrape(t, url)
	if v := value(full, "chatroom_refusals_total", "reason", "server_full"); v != 1 {
		t.Errorf("%v server_full refusals, want 1:\n%s", v, full)
	}

	// The session goes from the count when it ends: before the line
	// that logs its end.
	alice.close()
	d.stderr.waitFor(t, "nick=alice") // only the line logging the end names the nick
	if v := value(metricstest.Scrape(t, url), "chatroom_sessions", "kind", "full-screen"); v != 1 {
		t.Errorf("%v full-screen sessions after alice left, want 1", v)
	}
	if code, body := httpGet(t, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}

	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := d.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM; stderr:\n%s", code, d.stderr)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("metrics still served after the daemon stopped")
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// refusedSession opens a terminal session that the server is expected to
// refuse, and returns what it said on stderr.
func refusedSession(t *testing.T, addr string, hostKey gossh.PublicKey) string {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "carol", Auth: []gossh.AuthMethod{gossh.PublicKeys(newSigner(t))},
		HostKeyCallback: gossh.FixedHostKey(hostKey), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	if err := sess.RequestPty("xterm-256color", 24, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	var exit *gossh.ExitError
	if err := sess.Wait(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("refused session ended with %v, want exit status 1", err)
	}
	return stderr.String()
}
