package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/hostkeys"
	"github.com/chatroom/chatroom/store/sqlite"
)

// watcher is a person watching the room: a terminal emulator fed by the
// daemon, which notes every flood line that was ever on its screen.
type watcher struct {
	emu *vt.SafeEmulator

	mu   sync.Mutex
	seen map[string]bool
	more chan struct{}
}

var floodLine = regexp.MustCompile(`<(f\d)> (m\d+)`)

func watch(t *testing.T, addr string, hostKey gossh.PublicKey) *watcher {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "watcher", Auth: []gossh.AuthMethod{gossh.PublicKeys(newSigner(t))},
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
	const w, h = 100, 60
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	wt := &watcher{emu: vt.NewSafeEmulator(w, h), seen: map[string]bool{}, more: make(chan struct{}, 1)}
	stdout, _ := sess.StdoutPipe()
	stdin, _ := sess.StdinPipe()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	// The emulator answers terminal queries, as a real terminal would.
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		_, _ = io.Copy(stdin, wt.emu)
	}()
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				_, _ = wt.emu.Write(buf[:n])
				wt.note()
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		// Unblock the answers' copy by closing the emulator's pipe, not
		// the emulator: x/vt's Close races with its Read.
		if pw, ok := wt.emu.InputPipe().(io.Closer); ok {
			_ = pw.Close()
		}
		<-answered
	})
	return wt
}

// note records the flood lines on screen now.
func (w *watcher) note() {
	screen := ansi.Strip(w.emu.Render())
	w.mu.Lock()
	for _, m := range floodLine.FindAllStringSubmatch(screen, -1) {
		w.seen[m[1]+" "+m[2]] = true
	}
	w.mu.Unlock()
	select {
	case w.more <- struct{}{}:
	default:
	}
}

func (w *watcher) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}

func (w *watcher) lines() map[string]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]bool, len(w.seen))
	for k := range w.seen {
		out[k] = true
	}
	return out
}

// The daemon is killed with SIGKILL in the middle of a flood. Every line a
// person had on screen is in the history afterwards, in the order it was
// sent, and the log's sequence numbers have no gaps; after a restart the
// room carries on from where it was.
func TestKillDuringAFloodLosesNothingAnyoneSaw(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	// Limits lifted: the flood is the point.
	args := []string{"--listen", "127.0.0.1:0", "--data", data, "--msg-rate", "100000", "--msg-burst", "100000"}
	d := startDaemon(t, args...)
	addr := strings.Fields(d.stdout.waitFor(t, "chatroom is listening on "))[4]
	host, err := hostkeys.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	w := watch(t, addr, host.PublicKey())

	const flooders = 3
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for f := range flooders {
		c := connectAs(t, addr, host.PublicKey(), fmt.Sprintf("f%d", f), newSigner(t))
		c.out.waitFor(t, "Welcome to chatroom!")
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A line at a time, each after a pause: lines written
			// back to back would arrive as one burst, which the
			// server takes for a paste and sends nowhere.
			pace := time.NewTicker(15 * time.Millisecond)
			defer pace.Stop()
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				case <-pace.C:
				}
				if _, err := io.WriteString(c.stdin, "m"+strconv.Itoa(i)+"\r"); err != nil {
					return // the daemon is gone
				}
			}
		}()
	}
	deadline := time.After(60 * time.Second)
	for w.count() < 300 {
		select {
		case <-w.more:
		case <-deadline:
			t.Fatalf("the watcher saw only %d flood lines in 60 s", w.count())
		}
	}
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	d.wait(t, 10*time.Second)
	close(stop)
	wg.Wait()
	seen := w.lines()

	db, err := sqlite.Open(filepath.Join(data, sqlite.FileName))
	if err != nil {
		t.Fatalf("the database does not open after SIGKILL: %v", err)
	}
	var log []message.Message
	for {
		page, err := db.After(context.Background(), chat.Lobby, uint64(len(log)), 5000)
		if err != nil {
			t.Fatal(err)
		}
		log = append(log, page...)
		if len(page) < 5000 {
			break
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	last := map[string]int{}
	for i, m := range log {
		if m.Seq != uint64(i+1) {
			t.Fatalf("message %d has Seq %d: a gap or a duplicate", i+1, m.Seq)
		}
		if m.Kind != message.Chat || !strings.HasPrefix(m.Nick, "f") {
			continue
		}
		// Lines a loaded server read together are one pasted message,
		// one line each: still in order, none lost.
		for _, line := range strings.Split(strings.TrimRight(m.Text, "\n"), "\n") {
			n, err := strconv.Atoi(strings.TrimPrefix(line, "m"))
			if err != nil {
				t.Fatalf("%s stored %q, not a flood line", m.Nick, m.Text)
			}
			if n <= last[m.Nick] {
				t.Fatalf("%s's m%d is stored after its m%d", m.Nick, n, last[m.Nick])
			}
			last[m.Nick] = n
			stored[m.Nick+" "+line] = i
		}
	}
	missing := 0
	for line := range seen {
		if _, ok := stored[line]; !ok {
			missing++
			t.Errorf("%q was on the watcher's screen but is not in the history", line)
		}
	}
	t.Logf("%d messages stored before the kill; the watcher saw %d flood lines; %d missing", len(log), len(seen), missing)

	// A restart carries on from the same sequence numbers.
	again := startDaemon(t, args...)
	addr = strings.Fields(again.stdout.waitFor(t, "chatroom is listening on "))[4]
	c := connectAs(t, addr, host.PublicKey(), "after", newSigner(t))
	c.out.waitFor(t, "Welcome to chatroom!")
	c.typeLine(t, "after the restart")
	c.out.waitFor(t, "after the restart")
	if err := again.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := again.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, again.stderr)
	}
	db, err = sqlite.Open(filepath.Join(data, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tail, err := db.After(context.Background(), chat.Lobby, uint64(len(log)), 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i, m := range tail {
		if m.Seq != uint64(len(log)+i+1) {
			t.Fatalf("after the restart message %d has Seq %d", len(log)+i+1, m.Seq)
		}
		found = found || m.Text == "after the restart"
	}
	if !found {
		t.Fatalf("the line sent after the restart is not stored: %+v", tail)
	}
}
