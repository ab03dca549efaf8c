package sshd

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

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
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader(c.in)
			if one {
				r = iotest.OneByteReader(r) // markers split across reads
			}
			got, err := io.ReadAll(&pasteLimiter{r: r, limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("%s (one byte at a time: %v): got %q, want %q", c.name, one, got, c.want)
			}
		}
	}
}

// An endless paste costs no memory beyond the limit: the limiter streams.
func TestPasteLimiterStreams(t *testing.T) {
	endless := io.MultiReader(bytes.NewReader(pasteStart), &repeatReader{b: 'A', n: 64 << 20})
	n, err := io.Copy(io.Discard, &pasteLimiter{r: endless, limit: maxPaste})
	if err != nil || n != int64(len(pasteStart)+maxPaste) {
		t.Fatalf("passed %d bytes (err %v), want %d", n, err, len(pasteStart)+maxPaste)
	}
}

type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}
