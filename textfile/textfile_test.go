package textfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		want string
	}{
		{"plain", "a\nb\n", "a\nb\n"},
		{"byte order mark", "\ufeffa\nb", "a\nb"},
		{"CRLF", "a\r\nb\r\n", "a\nb\n"},
		{"both", "\ufeffa\r\nb\r\n", "a\nb\n"},
		{"only the leading mark", "\ufeffa\ufeff", "a\ufeff"},
		{"a lone CR stays", "a\rb", "a\rb"},
		{"empty", "", ""},
	} {
		got, err := Decode("f", []byte(c.in))
		if err != nil || got != c.want {
			t.Errorf("%s: Decode(%q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
		}
	}
}

func TestDecodeRefusesUTF16(t *testing.T) {
	for _, c := range []struct {
		name, in, encoding string
	}{
		{"little endian", "\xff\xfea\x00\r\x00\n\x00", "UTF-16 LE"},
		{"big endian", "\xfe\xff\x00a\x00\r\x00\n", "UTF-16 BE"},
		{"no byte order mark", "a\x00b\x00", "UTF-16 (it holds NUL bytes)"},
	} {
		_, err := Decode(`C:\chat\it's.txt`, []byte(c.in))
		var enc *EncodingError
		if !errors.As(err, &enc) || enc.Encoding != c.encoding {
			t.Fatalf("%s: err = %v, want an EncodingError for %s", c.name, err, c.encoding)
		}
		msg := err.Error()
		for _, want := range []string{
			`C:\chat\it's.txt is saved as ` + c.encoding,
			"Encoding: UTF-8",
			`(Get-Content 'C:\chat\it''s.txt') | Set-Content -Encoding utf8 'C:\chat\it''s.txt'`,
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: %q lacks %q", c.name, msg, want)
			}
		}
	}
}

func TestRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("\ufeffx\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := Read(path); err != nil || got != "x\n" {
		t.Fatalf("Read = %q, %v", got, err)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: err = %v, want ErrNotExist", err)
	}
}
