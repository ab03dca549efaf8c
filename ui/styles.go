package ui

import (
	"hash/fnv"
	"strings"

	"charm.land/lipgloss/v2"
)

// The palette uses mid-tone ANSI-256 colours that read on dark and light
// backgrounds alike; the renderer downsamples them for 16-colour terminals
// such as the classic Windows console.
type styles struct {
	plain       lipgloss.Style
	header      lipgloss.Style
	headerDim   lipgloss.Style
	time        lipgloss.Style
	self        lipgloss.Style
	event       lipgloss.Style
	notice      lipgloss.Style
	err         lipgloss.Style
	disconnect  lipgloss.Style
	rule        lipgloss.Style
	hint        lipgloss.Style
	panel       lipgloss.Style
	panelTitle  lipgloss.Style
	prompt      lipgloss.Style
	placeholder lipgloss.Style
	// mention marks lines that name the reader; mentionMark their time.
	mention     lipgloss.Style
	mentionMark lipgloss.Style
	badge       lipgloss.Style // unread count of a room
	badgeHot    lipgloss.Style // unread count with mentions in it
	current     lipgloss.Style // the room on screen, in the panel
	nicks       []lipgloss.Style
}

func newStyles() styles {
	c := lipgloss.Color
	headerBg := c("62")
	s := styles{
		plain:       lipgloss.NewStyle(),
		header:      lipgloss.NewStyle().Background(headerBg).Foreground(c("230")).Bold(true),
		headerDim:   lipgloss.NewStyle().Background(headerBg).Foreground(c("189")),
		time:        lipgloss.NewStyle().Foreground(c("244")),
		self:        lipgloss.NewStyle().Bold(true),
		event:       lipgloss.NewStyle().Foreground(c("244")),
		notice:      lipgloss.NewStyle().Foreground(c("37")),
		err:         lipgloss.NewStyle().Foreground(c("196")).Bold(true),
		disconnect:  lipgloss.NewStyle().Foreground(c("202")).Bold(true),
		rule:        lipgloss.NewStyle().Foreground(c("240")),
		hint:        lipgloss.NewStyle().Foreground(c("214")).Bold(true),
		panel:       lipgloss.NewStyle().Foreground(c("250")),
		panelTitle:  lipgloss.NewStyle().Foreground(c("244")).Bold(true),
		prompt:      lipgloss.NewStyle().Foreground(c("62")).Bold(true),
		placeholder: lipgloss.NewStyle().Foreground(c("240")),
		mention:     lipgloss.NewStyle().Foreground(c("214")).Bold(true),
		mentionMark: lipgloss.NewStyle().Background(c("214")).Foreground(c("16")),
		badge:       lipgloss.NewStyle().Foreground(c("250")).Bold(true),
		badgeHot:    lipgloss.NewStyle().Background(c("214")).Foreground(c("16")).Bold(true),
		current:     lipgloss.NewStyle().Foreground(c("230")).Background(c("62")).Bold(true),
	}
	for _, n := range []string{"33", "36", "71", "99", "130", "135", "162", "166", "172", "178", "39", "41", "169", "208", "105", "43"} {
		s.nicks = append(s.nicks, lipgloss.NewStyle().Foreground(c(n)).Bold(true))
	}
	return s
}

// nick returns the style of a nick: the same nick always gets the same
// colour, whatever its case, in every session.
func (s styles) nick(nick string) lipgloss.Style {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strings.ToLower(nick)))
	return s.nicks[h.Sum32()%uint32(len(s.nicks))]
}
