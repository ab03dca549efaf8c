package sshd

import (
	"io"
	"strings"
	"testing"
)

// readAll pushes in into a Input with the given limits, one push
// per chunk of the given size, then reads everything it kept.
func readAll(t *testing.T, in string, chunk, pasteLimit, capacity int) (string, int64) {
	t.Helper()
	s := newInputOf(pasteLimit, capacity)
	for len(in) > 0 {
		n := min(chunk, len(in))
		s.Push([]byte(in[:n]))
		in = in[n:]
	}
	s.End(io.EOF)
	got, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(got), s.TakeDropped()
}

func TestPasteLimiter(t *testing.T) {
	start, end := string(pasteStart), string(pasteEnd)
	cases := []struct {
		name, in, want string
	}{
		{"plain keys pass", "hello\r\x1b[A", "hello\r\x1b[A"},
		{"short paste passes", "a" + start + "pasted" + end + "b", "a" + start + "pasted" + end + "b"},
		{"long paste is cut", start + strings.Repeat("x", 25) + end + "after", start + strings.Repeat("x", 10) + end + "after"},
		{"each paste has its own limit", start + "123456789012" + end + start + "abcdefghijkl" + end,
			start + "1234567890" + end + start + "abcdefghij" + end},
		{"unterminated paste stays cut", start + strings.Repeat("y", 100), start + strings.Repeat("y", 10)},
		{"a lone ESC is not a marker", "\x1b[20x\x1b", "\x1b[20x\x1b"},
	}
	for _, c := range cases {
		for _, chunk := range []int{1 << 20, 1} { // whole, and markers split across reads
			got, dropped := readAll(t, c.in, chunk, 10, 1<<20)
			if got != c.want || dropped != 0 {
				t.Errorf("%s (%d bytes at a time): got %q (%d dropped), want %q", c.name, chunk, got, dropped, c.want)
			}
		}
	}
}

// Past its capacity, input is dropped and counted; the end of a paste
// whose start was kept is kept all the same, so the decoder is never left
// waiting inside a paste.
func TestUnreadInputOverflow(t *testing.T) {
	start, end := string(pasteStart), string(pasteEnd)
	got, dropped := readAll(t, strings.Repeat("k", 30), 7, 10, 20)
	if got != strings.Repeat("k", 20) || dropped != 10 {
		t.Fatalf("keys past the capacity: got %q, %d dropped", got, dropped)
	}
	got, dropped = readAll(t, "abc"+start+strings.Repeat("p", 50)+end+"zz", 5, 100, 20)
	if want := "abc" + start + strings.Repeat("p", 20-3-len(start)-len(end)) + end; got != want || dropped == 0 {
		t.Fatalf("a paste past the capacity: got %q (%d dropped), want %q", got, dropped, want)
	}
	// A start marker that did not fit starts no paste: nor is room kept
	// for its end.
	got, _ = readAll(t, strings.Repeat("k", 18)+start+"p"+end, 3, 100, 20)
	if strings.Contains(got, start) || len(got) > 20 {
		t.Fatalf("a start marker that did not fit: got %q", got)
	}
}

// An endless paste costs no memory beyond the limit: it streams.
func TestPasteLimiterStreams(t *testing.T) {
	s := NewInput(nil)
	go func() {
		s.Push(pasteStart)
		chunk := []byte(strings.Repeat("A", 32<<10))
		for range 2048 { // 64 MiB
			s.Push(chunk)
		}
		s.End(io.EOF)
	}()
	n, err := io.Copy(io.Discard, s)
	if err != nil || n != int64(len(pasteStart)+maxPaste) {
		t.Fatalf("passed %d bytes (err %v), want %d", n, err, len(pasteStart)+maxPaste)
	}
	if d := s.TakeDropped(); d != 0 {
		t.Fatalf("%d bytes of an over-long paste counted as dropped for want of room", d)
	}
}
