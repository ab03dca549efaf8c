package nickname

import (
	"strings"
	"testing"
)

func TestSameAsAPersonSeesIt(t *testing.T) {
	for _, look := range []string{"alice", "ALICE", "ａｌｉｃｅ", "аlice", "aIice", "ALlCE", "al\u200bice"} {
		if !Same("alice", look) {
			t.Errorf("Same(alice, %q) = false", look)
		}
	}
	for _, other := range []string{"alicia", "malice", "bob"} {
		if Same("alice", other) {
			t.Errorf("Same(alice, %q) = true", other)
		}
	}
}

func TestReservedAndProblems(t *testing.T) {
	for _, n := range []string{"you", "YOU", "Admin", "ｓｅｒｖｅｒ"} {
		if !Reserved(n) {
			t.Errorf("Reserved(%q) = false", n)
		}
	}
	if Reserved("dave") {
		t.Error("dave is reserved")
	}
	if p := Problem("bo\u200bb"); !strings.Contains(p, "zero-width") && !strings.Contains(p, "invisible") {
		t.Errorf("Problem with a zero-width space: %q", p)
	}
	if p := Problem("a b"); !strings.Contains(p, "not a valid nick") {
		t.Errorf("Problem with a space: %q", p)
	}
	if p := Problem("dave"); p != "" {
		t.Errorf("Problem(dave) = %q", p)
	}
	if got := Asked("\x1b[31m"); got == "" {
		t.Error("Asked gives no nick for a name with nothing usable")
	}
}
