package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/hostkeys"
)

// Files people write on Windows: Notepad and PowerShell may save text with a
// UTF-8 byte order mark and CRLF line ends, or as UTF-16.

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

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// answer is a keyboard-interactive client that answers every question with
// the passphrase.
func answer(passphrase string) gossh.AuthMethod {
	return gossh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i := range answers {
			answers[i] = passphrase
		}
		return answers, nil
	})
}

// A passphrase file saved by Notepad (byte order mark, CRLF) holds the
// passphrase people type, not the mark in front of it.
func TestPassphraseFileWithByteOrderMark(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "passphrase.txt")
	writeFile(t, pass, []byte("\ufeffopen sesame\r\n"))
	data := filepath.Join(dir, "data")
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", data, "--passphrase-file", pass)
	addr := strings.Fields(d.stdout.waitFor(t, "chatroom is listening on "))[4]
	host, err := hostkeys.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	alice := connectAs(t, addr, host.PublicKey(), "alice", newSigner(t), answer("open sesame"))
	alice.out.waitFor(t, "Welcome to chatroom!")
}

// Every file the daemon reads as text is refused at startup when saved as
// UTF-16, with how to save it as UTF-8, rather than read as junk: an empty
// allowlist or operators file, or a passphrase nobody can type.
func TestRefusesUTF16FilesAtStartup(t *testing.T) {
	key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(newSigner(t).PublicKey())))
	for _, flag := range []string{"--allowlist", "--ops", "--passphrase-file"} {
		for _, big := range []bool{false, true} {
			dir := t.TempDir()
			path := filepath.Join(dir, "file.txt")
			content := key + "\r\n"
			if flag == "--passphrase-file" {
				content = "open sesame\r\n"
			}
			writeFile(t, path, utf16Text(content, big))
			d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), flag, path)
			if code := d.wait(t, 10*time.Second); code != 1 {
				t.Fatalf("%s saved as UTF-16 (big endian %v): exit %d, stderr:\n%s", flag, big, code, d.stderr)
			}
			for _, want := range []string{path, "UTF-16", "Encoding: UTF-8", "Set-Content -Encoding utf8"} {
				if !strings.Contains(d.stderr.String(), want) {
					t.Errorf("%s saved as UTF-16 (big endian %v): stderr lacks %q:\n%s", flag, big, want, d.stderr)
				}
			}
		}
	}
}

// An operators file that is saved as UTF-16 while the daemon runs is
// refused: the operators read before stay, and the log says why.
func TestUTF16OperatorsFileOnReloadKeepsTheOperators(t *testing.T) {
	dir := t.TempDir()
	opsPath := filepath.Join(dir, "ops")
	aliceKey := newSigner(t)
	line := string(gossh.MarshalAuthorizedKey(aliceKey.PublicKey()))
	writeFile(t, opsPath, []byte(line))
	data := filepath.Join(dir, "data")
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", data, "--ops", opsPath)
	addr := strings.Fields(d.stdout.waitFor(t, "chatroom is listening on "))[4]
	host, err := hostkeys.Load(data)
	if err != nil {
		t.Fatal(err)
	}

	// Rewritten on disk as UTF-16: noticed by the watcher, on every OS.
	writeFile(t, opsPath, utf16Text(line, false))
	warning := d.stderr.waitFor(t, "could not re-read the operators file; keeping the keys read before")
	for _, want := range []string{"UTF-16", "Set-Content -Encoding utf8"} {
		if !strings.Contains(warning, want) {
			t.Errorf("warning lacks %q: %s", want, warning)
		}
	}

	alice := connectAs(t, addr, host.PublicKey(), "alice", aliceKey)
	bob := connectAs(t, addr, host.PublicKey(), "bob", newSigner(t))
	alice.out.waitFor(t, "Welcome to chatroom!")
	bob.out.waitFor(t, "Welcome to chatroom!")
	alice.typeLine(t, "/kick bob")
	d.stderr.waitFor(t, "kick by=alice")
	bob.out.waitFor(t, "you were kicked by alice")
}

// A passphrase saved in a legacy code page ("ANSI" in Notepad) cannot match
// what an ssh client sends, which is UTF-8: refused, saying how to fix it.
func TestRefusesAPassphraseThatIsNotUTF8(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "passphrase.txt")
	writeFile(t, pass, []byte("caf\xe9 cr\xe8me\r\n")) // "café crème" in Windows-1252
	d := startDaemon(t, "--listen", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--passphrase-file", pass)
	if code := d.wait(t, 10*time.Second); code != 1 {
		t.Fatalf("exit %d, stderr:\n%s", code, d.stderr)
	}
	for _, want := range []string{pass, "not UTF-8", "Encoding: UTF-8"} {
		if !strings.Contains(d.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, d.stderr)
		}
	}
}

// --help says how the key files are re-read on the OS it runs on: Windows
// has no SIGHUP, so there it must not send people looking for one.
func TestHelpSaysHowFilesAreReread(t *testing.T) {
	var stderr bytes.Buffer
	if code := run([]string{"--help"}, io.Discard, &stderr); code != 0 || !strings.HasSuffix(stderr.String(), "\n"+reloadHelp(runtime.GOOS)) {
		t.Fatalf("--help: exit %d, ends:\n%s", code, stderr.String()[max(0, stderr.Len()-300):])
	}
	unix, windows := reloadHelp("linux"), reloadHelp("windows")
	if !strings.Contains(unix, "SIGHUP (kill -HUP PID)") || !strings.Contains(unix, "change on disk") {
		t.Errorf("Unix help: %s", unix)
	}
	if strings.Contains(windows, "kill") || !strings.Contains(windows, "edit and save them") || !strings.Contains(windows, "restart the daemon") {
		t.Errorf("Windows help: %s", windows)
	}
	if strings.Contains(reloadByHand("windows"), "kill") || !strings.Contains(reloadByHand("windows"), "restart") {
		t.Errorf("Windows fallback: %s", reloadByHand("windows"))
	}
}
