package report

import (
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// PSOptions tunes WritePS.
type PSOptions struct {
	// PerLWP prints one line per LWP (ps -H); otherwise one line per
	// process, its per-thread columns describing the lowest-numbered LWP
	// as libkvm does, TIME and %CPU summing all its LWPs.
	PerLWP bool
	// Header prints the header line (unless every header is empty, as BSD).
	Header bool
	// Width is the terminal width that cuts a last COMMAND column (BSD: 79
	// when not on a terminal, 131 with -w); 0 means unlimited (-ww).
	Width int
	// Now is the reference time of the STARTED column (start): a time of
	// day within 24 hours of it, a weekday within a week, else a date. The
	// zero value always prints the date. Times are printed in UTC.
	Now time.Time
}

// psRow is one line of the table: a process and the LWP the line describes
// (nil when the process has none).
type psRow struct {
	p      *Proc
	l      *LWP
	perLWP bool
}

// WritePS prints procs as a BSD ps table with the columns cols (from
// PSColumns). The layout follows DragonFly bin/ps: one space between
// columns, right-justified numbers, left-justified text, no padding after
// the last column; unlike BSD, a column widens to its widest value rather
// than letting it spill into the next one. Unknown values print as "-";
// strings from the dump are escaped (Escape).
func WritePS(w io.Writer, procs []Proc, cols []Column, opt PSOptions) error {
	var rows []psRow
	for i := range procs {
		p := &procs[i]
		switch {
		case len(p.LWPs) == 0:
			rows = append(rows, psRow{p: p, perLWP: opt.PerLWP})
		case opt.PerLWP:
			for j := range p.LWPs {
				rows = append(rows, psRow{p: p, l: &p.LWPs[j], perLWP: true})
			}
		default:
			rows = append(rows, psRow{p: p, l: &p.LWPs[0]})
		}
	}

	last := len(cols) - 1
	widths := make([]int, len(cols))
	cells := make([][]string, len(rows))
	for i := range rows {
		cells[i] = make([]string, len(cols))
	}
	for c, col := range cols {
		wd := max(col.Width, utf8.RuneCountInString(col.Header))
		if col.kind == kindGrow {
			for i := range rows {
				cells[i][c] = col.cell(&rows[i], &opt, wd)
				wd = max(wd, utf8.RuneCountInString(cells[i][c]))
			}
		} else {
			for i := range rows {
				cells[i][c] = col.cell(&rows[i], &opt, wd)
			}
		}
		widths[c] = wd
	}
	total := len(cols) - 1
	for _, wd := range widths {
		total += wd
	}

	ew := &errWriter{w: w}
	line := make([]string, len(cols))
	emit := func() { ew.printf("%s\n", strings.TrimRight(strings.Join(line, " "), " ")) }
	if opt.Header && slices.ContainsFunc(cols, func(c Column) bool { return c.Header != "" }) {
		for c, col := range cols {
			line[c] = pad(col.Header, widths[c], col.hdrLeft)
		}
		emit()
	}
	for i := range rows {
		for c, col := range cols {
			s, wd := cells[i][c], widths[c]
			switch {
			case col.kind == kindCommand && c == last:
				limit := 0 // unlimited
				if opt.Width > 0 {
					if limit = opt.Width - (total - wd); limit < 1 {
						limit = wd
					}
				}
				line[c] = cut(s, limit)
				continue
			case col.kind == kindCommand, col.kind == kindCut:
				s = cut(s, wd)
			}
			line[c] = pad(s, wd, col.valLeft)
		}
		emit()
	}
	return ew.err
}

// pad justifies s in width runes.
func pad(s string, width int, left bool) string {
	n := width - utf8.RuneCountInString(s)
	if n <= 0 {
		return s
	}
	if left {
		return s + strings.Repeat(" ", n)
	}
	return strings.Repeat(" ", n) + s
}

// cut keeps the first n runes of s; n 0 keeps all.
func cut(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}
