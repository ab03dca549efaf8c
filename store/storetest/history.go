package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// RunHistory checks a History. open returns a fresh, empty history; reopen,
// if not nil, returns the same history as a restarted daemon would see it.
func RunHistory(t *testing.T, open func(t *testing.T) store.History, reopen func(t *testing.T, h store.History) store.History) {
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	msg := func(rm string, seq uint64, text string) message.Message {
		return message.Message{Room: rm, Seq: seq, Time: at.Add(time.Duration(seq) * time.Minute), Kind: message.Chat,
			Nick: "alice", Author: "SHA256:a", Text: text}
	}
	fill := func(t *testing.T, h store.History, rm string, n int) {
		t.Helper()
		for i := 1; i <= n; i++ {
			must(t, h.Append(ctx, rm, msg(rm, uint64(i), fmt.Sprintf("%s message %d", rm, i))))
		}
	}
	texts := func(msgs []message.Message) []string {
		var out []string
		for _, m := range msgs {
			out = append(out, m.Text)
		}
		return out
	}

	t.Run("append and read", func(t *testing.T) {
		h := open(t)
		if seq, err := h.LastSeq(ctx, "empty"); err != nil || seq != 0 {
			t.Fatalf("LastSeq of an empty room: %d, %v", seq, err)
		}
		fill(t, h, "lobby", 10)
		fill(t, h, "go", 3)
		h = again(t, h, reopen)
		if seq, _ := h.LastSeq(ctx, "lobby"); seq != 10 {
			t.Fatalf("LastSeq = %d", seq)
		}
		got, err := h.After(ctx, "lobby", 7, 0)
		must(t, err)
		if len(got) != 3 || got[0].Seq != 8 || got[2].Seq != 10 || got[0].Text != "lobby message 8" {
			t.Fatalf("After(7) = %v", texts(got))
		}
		full := got[0]
		if full.Nick != "alice" || full.Author != "SHA256:a" || full.Kind != message.Chat || !full.Time.Equal(at.Add(8*time.Minute)) {
			t.Fatalf("a message came back changed: %+v", full)
		}
		if got, _ := h.After(ctx, "lobby", 0, 4); len(got) != 4 || got[3].Seq != 4 {
			t.Fatalf("After with a limit: %v", texts(got))
		}
		if got, _ := h.Before(ctx, "lobby", 6, 3); len(got) != 3 || got[0].Seq != 3 || got[2].Seq != 5 {
			t.Fatalf("Before(6, 3) = %v", texts(got))
		}
		if got, _ := h.Before(ctx, "lobby", 2, 10); len(got) != 1 || got[0].Seq != 1 {
			t.Fatalf("Before(2) = %v", texts(got))
		}
		if got, _ := h.After(ctx, "go", 0, 0); len(got) != 3 {
			t.Fatalf("rooms are not apart: %v", texts(got))
		}
		rooms, err := h.Rooms(ctx)
		must(t, err)
		if len(rooms) != 2 {
			t.Fatalf("Rooms = %v", rooms)
		}
	})

	t.Run("search", func(t *testing.T) {
		h := open(t)
		for i, text := range []string{"the build is green", "lunch?", "Build failed again", "the green light", "ÉCOLE opens"} {
			must(t, h.Append(ctx, "lobby", msg("lobby", uint64(i+1), text)))
		}
		must(t, h.Append(ctx, "other", msg("other", 1, "build in another room")))
		h = again(t, h, reopen)
		got, total, err := h.Search(ctx, "lobby", "build", 0, 10)
		must(t, err)
		if len(got) != 2 || total != 2 || got[0].Text != "Build failed again" || got[1].Text != "the build is green" {
			t.Fatalf("search build: %v, %d in all", texts(got), total)
		}
		if got, _, _ := h.Search(ctx, "lobby", "green build", 0, 10); len(got) != 1 {
			t.Fatalf("every word must match: %v", texts(got))
		}
		if got, _, _ := h.Search(ctx, "lobby", "école", 0, 10); len(got) != 1 {
			t.Fatalf("case and accents: %v", texts(got))
		}
		if got, total, err := h.Search(ctx, "lobby", `"unbalanced AND (`, 0, 10); err != nil || len(got) != 0 || total != 0 {
			t.Fatalf("odd query: %v, %d, %v", texts(got), total, err)
		}
	})

	t.Run("search counts and pages", func(t *testing.T) {
		h := open(t)
		// 300 foxes among 450 lines, with a join line that says fox too.
		seq := uint64(0)
		for i := 1; i <= 450; i++ {
			seq++
			text := fmt.Sprintf("line %d", i)
			if i%3 != 0 {
				text = fmt.Sprintf("fox %d", i)
			}
			must(t, h.Append(ctx, "lobby", msg("lobby", seq, text)))
		}
		seq++
		must(t, h.Append(ctx, "lobby", message.Message{Room: "lobby", Seq: seq, Time: at, Kind: message.Join, Nick: "fox", Text: "fox"}))
		h = again(t, h, reopen)
		var all []string
		before := uint64(0)
		for page := 0; ; page++ {
			got, total, err := h.Search(ctx, "lobby", "fox", before, 20)
			must(t, err)
			if total != 300 {
				t.Fatalf("page %d: %d match in all, want 300", page, total)
			}
			if len(got) == 0 {
				break
			}
			if len(got) > 20 {
				t.Fatalf("page %d holds %d, more than asked", page, len(got))
			}
			for _, m := range got {
				if before != 0 && m.Seq >= before {
					t.Fatalf("page %d: seq %d is not before %d", page, m.Seq, before)
				}
			}
			all = append(all, texts(got)...)
			before = got[len(got)-1].Seq
		}
		if len(all) != 300 || all[0] != "fox 449" || all[299] != "fox 1" {
			t.Fatalf("paged through %d matches, from %q to %q", len(all), all[0], all[len(all)-1])
		}
	})

	t.Run("spoken", func(t *testing.T) {
		h := open(t)
		line := func(rm string, seq uint64, kind message.Kind) message.Message {
			return message.Message{Room: rm, Seq: seq, Time: at, Kind: kind, Nick: "alice", Author: "SHA256:a"}
		}
		must(t, h.Append(ctx, "quiet", line("quiet", 1, message.Join)))
		must(t, h.Append(ctx, "quiet", line("quiet", 2, message.Leave)))
		must(t, h.Append(ctx, "quiet", line("quiet", 3, message.Announcement)))
		must(t, h.Append(ctx, "talk", line("talk", 1, message.Join)))
		must(t, h.Append(ctx, "talk", line("talk", 2, message.Action)))
		must(t, h.Append(ctx, "chat", line("chat", 1, message.Chat)))
		h = again(t, h, reopen)
		for rm, want := range map[string]bool{"quiet": false, "talk": true, "chat": true, "none": false} {
			if got, err := h.Spoken(ctx, rm); err != nil || got != want {
				t.Fatalf("Spoken(%s) = %v, %v; want %v", rm, got, err, want)
			}
		}
		// Pruned of what was said, a room is quiet again.
		if _, err := h.Prune(ctx, "talk", at.Add(time.Second), 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := h.Spoken(ctx, "talk"); got {
			t.Fatal("a room pruned empty is still spoken in")
		}
	})

	t.Run("prune and delete", func(t *testing.T) {
		h := open(t)
		fill(t, h, "lobby", 1200)
		n, err := h.Prune(ctx, "lobby", time.Time{}, 1000)
		must(t, err)
		if n != 200 {
			t.Fatalf("pruned %d, want 200", n)
		}
		n, err = h.Prune(ctx, "lobby", at.Add(300*time.Minute+time.Second), 0)
		must(t, err)
		if n != 100 {
			t.Fatalf("pruned %d by age, want 100", n)
		}
		got, _ := h.After(ctx, "lobby", 0, 0)
		if len(got) != 900 || got[0].Seq != 301 {
			t.Fatalf("after pruning: %d messages from %d", len(got), got[0].Seq)
		}
		if seq, _ := h.LastSeq(ctx, "lobby"); seq != 1200 {
			t.Fatalf("pruning moved LastSeq to %d", seq)
		}
		// Pruned empty, a room still numbers on from where it was: read
		// positions saved against the old numbers stay true.
		n, err = h.Prune(ctx, "lobby", at.Add(time.Hour*1000), 0)
		must(t, err)
		if n != 900 {
			t.Fatalf("pruned %d, want the remaining 900", n)
		}
		h = again(t, h, reopen)
		if seq, _ := h.LastSeq(ctx, "lobby"); seq != 1200 {
			t.Fatalf("pruned empty, LastSeq went to %d", seq)
		}
		must(t, h.DeleteRoom(ctx, "lobby"))
		if got, _ := h.After(ctx, "lobby", 0, 0); len(got) != 0 {
			t.Fatalf("a deleted room still has %d messages", len(got))
		}
		if seq, _ := h.LastSeq(ctx, "lobby"); seq != 0 {
			t.Fatalf("a deleted room starts again from %d, want 0", seq)
		}
	})
}
