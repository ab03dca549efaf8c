package sshchat

import (
	"unicode/utf8"

	uv "github.com/charmbracelet/ultraviolet"
)

// escWait is how long a sequence that may be only the start of a longer one
// (a lone ESC, ESC and one byte) waits for the rest before it is taken as
// it stands: ultraviolet's own default (uv.DefaultEscTimeout).
const escWait = uv.DefaultEscTimeout

// keyScanner turns what a terminal sends into input events.
//
// It is ultraviolet's TerminalReader scanner (terminal_reader.go,
// eventScanner.scanEvents) without its key table. Building that table (a
// map of some 3,000 legacy sequences) is what a TerminalReader costs: about
// 150 KiB for every session, and it cannot be shared, as the table is
// private to each reader. Its entries are sequences uv.EventDecoder decodes
// the same way by itself; TestKeyScannerMatchesUltraviolet holds the two to
// the same events for every sequence the chat's keys and mouse send.
// What is left is a few dozen bytes: the decoder's state and an unfinished
// paste.
//
// Windows' win32-input-mode is not decoded: the session never turns it on
// (ui/screen sets the terminal's modes), so no client sends it.
type keyScanner struct {
	dec uv.EventDecoder
	// paste is the bracketed paste being read; nil outside a paste.
	paste []byte
}

// scan decodes the events at the start of buf and reports how many bytes
// they took. Bytes that may begin a longer sequence are left for the next
// call, with more input, unless expired says no more is coming soon: then
// they are taken as they stand.
func (s *keyScanner) scan(buf []byte, expired bool, emit func(uv.Event)) (total int) {
	for len(buf) > 0 {
		esc := buf[0] == 0x1b
		n, ev := s.dec.Decode(buf)

		if s.paste != nil {
			if _, end := ev.(uv.PasteEndEvent); !end {
				switch ev := ev.(type) {
				case uv.KeyPressEvent:
					switch {
					case len(ev.Text) > 0:
						s.paste = append(s.paste, ev.Text...)
					case esc && n <= 2 && !expired:
						return total // the rest of a sequence may follow
					default:
						s.paste = append(s.paste, buf[:n]...)
					}
				case uv.UnknownEvent:
					if !expired {
						return total
					}
				}
				buf, total = buf[n:], total+n
				continue
			}
		}

		switch ev := ev.(type) {
		case uv.UnknownEvent:
			if !expired {
				return total
			}
			emit(ev)
		case uv.PasteStartEvent:
			s.paste = []byte{}
			emit(ev)
		case uv.PasteEndEvent:
			emit(uv.PasteEvent{Content: validUTF8(s.paste)})
			emit(ev)
			s.paste = nil
		case nil:
		default:
			if esc && n <= 2 && !expired {
				return total // ESC alone, or Alt and a key: wait for more
			}
			if m, ok := ev.(uv.MultiEvent); ok {
				for _, e := range m {
					emit(e)
				}
			} else {
				emit(ev)
			}
		}
		buf, total = buf[n:], total+n
	}
	return total
}

// validUTF8 is b as a string without the bytes that are not UTF-8, as
// ultraviolet's reader gives a paste.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]rune, 0, len(b))
	for len(b) > 0 {
		r, w := utf8.DecodeRune(b)
		if r != utf8.RuneError {
			out = append(out, r)
		}
		b = b[w:]
	}
	return string(out)
}
