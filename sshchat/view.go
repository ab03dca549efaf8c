package sshchat

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/chatroom/chatroom/ui"
	"github.com/chatroom/chatroom/ui/screen"
)

// Limits on the terminal size a client may claim. A terminal larger than
// this still works; the view just uses this much of it. The view lays out
// and the screen keeps every row it shows: a cap keeps a session's cost to
// a few hundred KiB whatever size a client claims.
const (
	maxWidth  = 500
	maxHeight = 200
)

// sessionProgram builds the program that runs the view of one session.
func (hd *Handler) sessionProgram(st *session) *program {
	pty, _, _ := st.Pty()
	// The emulated PTY gives the view no terminal to probe, so the colour
	// profile comes from the client's TERM, on every host OS.
	env := append(st.Environ(), "TERM="+pty.Term)
	w, h := pty.Window.Width, pty.Window.Height
	if w <= 0 || h <= 0 {
		// ssh -tt from a pipe reports 0x0; draw for the classic size
		// rather than nothing.
		w, h = 80, 24
	}
	w, h = clampSize(w, h)
	loc, note := clientLocation(st.Environ())
	st.model = ui.New(ui.Options{
		Member:   st.member,
		Width:    w,
		Height:   h,
		Mouse:    hd.cfg.Mouse,
		Location: loc,
		Notes:    note,
		Layouts:  hd.layouts,
		// The program waits on the room's wakes itself (wakeOn below).
		DriverWakes: true,
	})
	st.screen = screen.New(st.Output(), w, h, colorprofile.Env(env))
	// Frames are drawn by the session's screen, not by Bubble Tea's
	// renderer (see package screen for why), keys decoded by pumpInput,
	// the terminal's modes set by the screen: what is left of a
	// tea.Program is its event loop (see program).
	p := newProgram(screenView{Model: st.model, scr: st.screen}, clampResize)
	p.wakeOn(st.model.Wake(), ui.WakeMsg)
	return p
}

// screenView is a session's view drawn on its screen: each frame the view
// makes is handed to the screen, which writes it when the terminal is
// ready, so the program never waits for the client.
type screenView struct {
	*ui.Model
	scr *screen.Screen
}

func (v screenView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case ui.BellMsg:
		v.scr.Bell()
		return v, nil
	case ui.RepaintMsg:
		v.scr.Repaint()
		return v, nil
	case tea.WindowSizeMsg:
		v.scr.Resize(msg.Width, msg.Height)
	}
	_, cmd := v.Model.Update(msg)
	return v, cmd
}

// View hands the frame to the screen. Bubble Tea calls it after every
// update; what it returns goes to Bubble Tea's renderer, which is off.
func (v screenView) View() tea.View {
	v.scr.Draw(v.Model.View())
	return tea.View{}
}

func clampResize(msg tea.Msg) tea.Msg {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		msg.Width, msg.Height = clampSize(msg.Width, msg.Height)
		return msg
	case tea.SuspendMsg:
		// A remote session cannot be suspended; carry on.
		return tea.ResumeMsg{}
	}
	return msg
}

func clampSize(w, h int) (int, int) {
	return min(max(w, 0), maxWidth), min(max(h, 0), maxHeight)
}

// clientLocation is the time zone the client sent in TZ (ssh -o
// SetEnv=TZ=Europe/Paris), or nil for the server's own; note explains a TZ
// that could not be used.
func clientLocation(env []string) (loc *time.Location, note []string) {
	for _, kv := range env {
		tz, ok := strings.CutPrefix(kv, "TZ=")
		if !ok || tz == "" {
			continue
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, []string{fmt.Sprintf("Unknown time zone %q in TZ; times are in the server's zone.", truncate(tz, 40))}
		}
		return loc, nil
	}
	return nil, nil
}
