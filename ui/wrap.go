package ui

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"
)

// wrap breaks s into lines of at most width terminal cells, at the places
// Unicode line breaking allows (UAX #14): between words, and between any
// two CJK characters, so Chinese or Japanese text flows right after a nick
// instead of jumping to the next line. A word wider than a whole line is
// cut between grapheme clusters. Newlines in s always break.
func wrap(s string, width int) []string {
	width = max(1, width)
	var (
		lines []string
		line  strings.Builder
		lineW int // width of line, trailing spaces included
		seg   strings.Builder
		segW  int // width of seg, trailing spaces included
		segSp int // width of seg's trailing spaces
	)
	flushLine := func() {
		lines = append(lines, strings.TrimRight(line.String(), " "))
		line.Reset()
		lineW = 0
	}
	// place puts a finished segment on the current line or a new one.
	place := func() {
		visible := segW - segSp
		if lineW+visible > width && lineW > 0 {
			flushLine()
		}
		if visible > width {
			hardWrap(seg.String(), width, &line, &lineW, flushLine)
		} else {
			line.WriteString(seg.String())
			lineW += segW
		}
		seg.Reset()
		segW, segSp = 0, 0
	}
	state := -1
	for s != "" {
		var cluster string
		var boundaries int
		cluster, s, boundaries, state = uniseg.StepString(s, state)
		if cluster == "\n" || cluster == "\r\n" {
			place()
			flushLine()
			continue
		}
		w := clusterWidth(cluster, boundaries>>uniseg.ShiftWidth)
		seg.WriteString(cluster)
		segW += w
		if cluster == " " {
			segSp += w
		} else {
			segSp = 0
		}
		breakable := boundaries&uniseg.MaskLine != uniseg.LineDontBreak
		if breakable && cluster != " " && isToken(seg.String()) {
			// "/mouse", "#go-dev", "@alice.b" stay whole (at a space,
			// or cut only if wider than a line): "see /" then "mouse"
			// on the next line reads as something else.
			breakable = false
		}
		if breakable || s == "" {
			place()
		}
	}
	if line.Len() > 0 || len(lines) == 0 {
		flushLine()
	}
	return lines
}

// clusterWidth is the width of one grapheme cluster as the screen measures
// it (x/ansi), given uniseg's: the two agree on single characters, the
// common case, and may not on a sequence such as an emoji joined by ZWJ to
// something that is not one, which a row must not overflow for.
func clusterWidth(cluster string, uw int) int {
	if _, n := utf8.DecodeRuneInString(cluster); n == len(cluster) {
		return uw
	}
	return ansi.StringWidth(cluster)
}

// isToken reports whether seg ends inside a command, room or nick token:
// its last word (line breaking keeps a "/" with the space before it)
// begins with "/", "#" or "@".
func isToken(seg string) bool {
	word := seg[strings.LastIndexByte(seg, ' ')+1:]
	return word != "" && strings.ContainsRune("/#@", rune(word[0]))
}

// hardWrap writes a segment too wide for any line, cutting it between
// grapheme clusters.
func hardWrap(seg string, width int, line *strings.Builder, lineW *int, flush func()) {
	state := -1
	for seg != "" {
		var cluster string
		var w int
		cluster, seg, w, state = uniseg.FirstGraphemeClusterInString(seg, state)
		w = clusterWidth(cluster, w)
		if *lineW+w > width && *lineW > 0 && cluster != " " {
			flush()
		}
		line.WriteString(cluster)
		*lineW += w
	}
}
