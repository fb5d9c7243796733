package batch

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kdump-bsd/kdump/report"
)

// Outcome is how a core of the batch ended.
type Outcome int

const (
	OK       Outcome = iota // reported without warnings
	Warnings                // reported, with warnings
	Failed                  // an error record
)

// Entry is what the resume index keeps of a record already written: its
// outcome and group key, for the summary and --group-by; never the report.
type Entry struct {
	Outcome Outcome
	Group   string
}

// Index is the set of cores an earlier run already wrote, by core.path.
type Index struct {
	m      map[string]Entry
	groups map[string]string // interned group keys
}

// Has reports whether the core at path already has a record.
func (x *Index) Has(path string) bool {
	if x == nil {
		return false
	}
	_, ok := x.m[path]
	return ok
}

// Len is the number of cores in the index.
func (x *Index) Len() int {
	if x == nil {
		return 0
	}
	return len(x.m)
}

// All yields every indexed core path and its entry, in no order.
func (x *Index) All(yield func(string, Entry) bool) {
	if x == nil {
		return
	}
	for p, e := range x.m {
		if !yield(p, e) {
			return
		}
	}
}

func (x *Index) add(path string, e Entry) {
	if g, ok := x.groups[e.Group]; ok {
		e.Group = g
	} else {
		x.groups[e.Group] = e.Group
	}
	x.m[path] = e
}

// Scan reads a batch output (JSON Lines) and indexes its records. Every
// complete line (ending in a newline) must be one JSON object with a
// core.path; it is validated in full while only one member (one process of
// "procs", one warning) is held at a time. A last line without its newline
// is what an interrupted run left: it is not indexed, and valid is the
// length of the complete lines before it, where the file is to be cut.
func Scan(r io.Reader) (x *Index, valid int64, err error) {
	x = &Index{m: map[string]Entry{}, groups: map[string]string{}}
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		lr := &lineReader{br: br}
		path, e, perr := scanRecord(lr)
		if _, err := io.Copy(io.Discard, lr); err != nil { // the rest of a bad line
			return nil, 0, err
		}
		if !lr.complete {
			return x, valid, nil // end of file, or a torn last line
		}
		if perr != nil {
			return nil, 0, fmt.Errorf("line %d: not a kdump batch record: %w", line, perr)
		}
		x.add(path, e)
		valid += lr.n
	}
}

// scanRecord validates one record and returns its core path and entry.
func scanRecord(r io.Reader) (string, Entry, error) {
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil {
		return "", Entry{}, err
	} else if t != json.Delim('{') {
		return "", Entry{}, fmt.Errorf("want a JSON object, found %v", t)
	}
	var (
		rep     report.Report // only the small members are decoded into it
		errMsg  *string
		hasPath bool
		warned  bool
	)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", Entry{}, err
		}
		key, _ := t.(string)
		switch key {
		case "procs", "warnings": // arrays that may be long: one element at a time
			n, err := skipArray(dec, key)
			if err != nil {
				return "", Entry{}, err
			}
			warned = warned || (key == "warnings" && n > 0)
			continue
		case "core":
			var c struct {
				Path *string `json:"path"`
				report.CoreInfo
			}
			if err := dec.Decode(&c); err != nil {
				return "", Entry{}, fmt.Errorf("core: %w", err)
			}
			rep.Core, hasPath = c.CoreInfo, c.Path != nil
			if hasPath {
				rep.Core.Path = *c.Path
			}
			continue
		case "panic":
			err = dec.Decode(&rep.Panic)
		case "error":
			err = dec.Decode(&errMsg)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return "", Entry{}, fmt.Errorf("%s: %w", key, err)
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return "", Entry{}, fmt.Errorf("unterminated object (%v)", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", Entry{}, errors.New("more than one JSON value on the line")
	}
	if !hasPath {
		return "", Entry{}, errors.New("no core.path")
	}
	switch {
	case errMsg != nil:
		return rep.Core.Path, Entry{Failed, GroupError}, nil
	case warned:
		return rep.Core.Path, Entry{Warnings, GroupKey(&rep)}, nil
	}
	return rep.Core.Path, Entry{OK, GroupKey(&rep)}, nil
}

// skipArray validates the array member key one element at a time and
// returns its length.
func skipArray(dec *json.Decoder, key string) (int, error) {
	if t, err := dec.Token(); err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	} else if t != json.Delim('[') {
		return 0, fmt.Errorf("%s: want an array, found %v", key, t)
	}
	n := 0
	for ; dec.More(); n++ {
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, fmt.Errorf("%s[%d]: %w", key, n, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return n, nil
}

// lineReader reads one line of br, without its newline, and never reads
// past it.
type lineReader struct {
	br       *bufio.Reader
	pending  []byte
	done     bool
	complete bool  // the line ended with a newline
	n        int64 // bytes consumed, newline included
}

func (l *lineReader) Read(p []byte) (int, error) {
	for len(l.pending) == 0 {
		if l.done {
			return 0, io.EOF
		}
		s, err := l.br.ReadSlice('\n')
		l.n += int64(len(s))
		switch {
		case err == nil:
			l.pending, l.done, l.complete = s[:len(s)-1], true, true
		case errors.Is(err, bufio.ErrBufferFull):
			l.pending = s
		case errors.Is(err, io.EOF):
			l.pending, l.done = s, true
		default:
			return 0, err
		}
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// Resume prepares the output file at path for a resumed batch: it indexes
// the records there (Scan), cuts off a torn last line, and returns the index.
// A missing file is an empty index.
func Resume(path string) (*Index, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return &Index{m: map[string]Entry{}, groups: map[string]string{}}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, valid, err := Scan(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; fix or remove that line to resume", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() != valid {
		if err := f.Truncate(valid); err != nil {
			return nil, fmt.Errorf("%s: cutting the unfinished last line: %w", path, err)
		}
	}
	return x, nil
}
