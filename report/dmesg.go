package report

import "bytes"

// Syslog priority decoding (sys/sys/syslog.h): the facility is bits 3–9.
const (
	logFacMask = 0x03f8
	logKern    = 0 // LOG_KERN
)

// Dmesg returns what DragonFly's dmesg prints for the message-buffer text
// (Msgbuf.Text), following dumpbuf() of sbin/dmesg/dmesg.c (1ab323cec1, the
// current version; spec §14.2):
//
//   - NUL bytes are skipped;
//   - a '<' at the start of a line (and at the very start) opens a syslog
//     priority: digits accumulate into it, other bytes are ignored, up to '>';
//     if its facility is LOG_KERN the rest of the line is printed without the
//     prefix, otherwise the whole line, newline included, is dropped. A line
//     that ends before the '>' is dropped too. Digits after a non-kernel '>'
//     keep accumulating (as in dmesg.c), so a later '>' on that line is judged
//     with the grown number;
//   - with all set (dmesg -a) nothing is stripped or dropped;
//   - every other byte is printed through vis(3) with VIS_NOSLASH in the C
//     locale (visByte);
//   - output that does not end with a newline gets one.
func Dmesg(text []byte, all bool) []byte {
	out := make([]byte, 0, len(text)+len(text)/16)
	newl, skip := true, false
	var pri int32 // C int: wraps, as it does in dmesg on amd64
	for _, ch := range text {
		if skip {
			if ch == '\n' {
				skip, newl = false, true
			}
			if ch == '>' {
				if (pri&logFacMask)>>3 == logKern {
					newl, skip = false, false
				}
			} else if ch >= '0' && ch <= '9' {
				pri = pri*10 + int32(ch-'0')
			}
			continue
		}
		if newl && ch == '<' && !all {
			pri, skip = 0, true
			continue
		}
		if ch == 0 {
			continue
		}
		newl = ch == '\n'
		out = visByte(out, ch)
	}
	if !newl {
		out = append(out, '\n')
	}
	return out
}

// DmesgLines returns Dmesg's output as lines, without their newlines.
func DmesgLines(text []byte, all bool) []string {
	out := Dmesg(text, all)
	if len(out) == 0 {
		return []string{}
	}
	lines := bytes.Split(out[:len(out)-1], []byte{'\n'})
	s := make([]string, len(lines))
	for i, l := range lines {
		s[i] = string(l)
	}
	return s
}

// Tail returns the last n lines (all of them when n <= 0 or n exceeds their number).
func Tail(lines []string, n int) []string {
	if n <= 0 || n >= len(lines) {
		return lines
	}
	return lines[len(lines)-n:]
}

// visByte appends c as vis(dst, c, VIS_NOSLASH, 0) encodes it in the C locale
// (DragonFlyBSD lib/libc/gen/vis.c): graphic characters, space, tab and newline
// as themselves (a backslash is not doubled under VIS_NOSLASH); 0xA0, whose
// low seven bits are a space, as the octal \240; any other byte as an optional
// "M" for the high bit, then "^X" for a control character (^? for DEL) or
// "-X" for a printable one.
func visByte(out []byte, c byte) []byte {
	switch {
	case c > ' ' && c < 0x7f, c == ' ', c == '\t', c == '\n':
		return append(out, c)
	case c&0x7f == ' ':
		return append(out, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
	}
	if c&0x80 != 0 {
		out = append(out, 'M')
		c &= 0x7f
	}
	switch {
	case c == 0x7f:
		return append(out, '^', '?')
	case c < ' ':
		return append(out, '^', c+'@')
	}
	return append(out, '-', c)
}
