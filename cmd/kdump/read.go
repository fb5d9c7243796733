package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/symtab"
)

const (
	defaultReadLen = 64
	maxSymbolLen   = 4096 // a symbol's own size is the default length, up to this
	readChunk      = 64 << 10
)

func runRead(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("read", "-M CORE -N KERNEL ADDR|SYM[+OFF] [LEN]", stderr)
	var t target
	t.register(fs, true)
	raw := fs.Bool("raw", false, "write the bytes alone to stdout")
	phys := fs.Bool("phys", false, "ADDR is a physical address (a symbol is translated to one)")
	if st, ok := parse(fs, args); !ok {
		return st
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		fs.Usage()
		return exitFail
	}
	tab, core, st := t.open("read", stderr, true)
	if st != exitOK {
		return st
	}
	defer tab.Close()
	defer core.Close()

	addr, symLen, err := parseAddr(tab, fs.Arg(0))
	if err != nil {
		return failf(stderr, "read", "%v", err)
	}
	n := uint64(defaultReadLen)
	if symLen > 0 {
		n = min(symLen, maxSymbolLen)
	}
	if fs.NArg() == 2 {
		if n, err = strconv.ParseUint(fs.Arg(1), 0, 64); err != nil || n == 0 {
			return failf(stderr, "read", "length %q: want a positive number", fs.Arg(1))
		}
	}
	if *phys && !isNumber(fs.Arg(0)) {
		pa, err := core.Translate(addr)
		if err != nil {
			return failf(stderr, "read", "%s: %v", fs.Arg(0), err)
		}
		addr = pa
	}
	readAt := core.ReadAt
	if *phys {
		readAt = core.ReadPhys
	}

	bw := bufio.NewWriter(stdout)
	var out interface {
		Write([]byte) (int, error)
		Close() error
	}
	if *raw {
		out = nopCloser{bw}
	} else {
		out = newHexDumper(bw, uint64(addr))
	}
	buf := make([]byte, min(n, readChunk))
	var rerr error
	for done := uint64(0); done < n && rerr == nil; {
		chunk := buf[:min(n-done, readChunk)]
		var k int
		k, rerr = readAt(chunk, addr+dump.Addr(done))
		out.Write(chunk[:k])
		done += uint64(k)
	}
	out.Close()
	if err := bw.Flush(); err != nil {
		return failf(stderr, "read", "writing output: %v", err)
	}
	if rerr != nil {
		fmt.Fprintf(stderr, "kdump read: %v\n", rerr)
		var fe *dump.FaultError
		if errors.As(rerr, &fe) {
			return exitPartial
		}
		return exitFail
	}
	return exitOK
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 0, 64)
	return err == nil
}

// parseAddr parses ADDR, SYM, SYM+OFF or SYM-OFF. For a bare symbol it also returns
// the symbol's size.
func parseAddr(tab *symtab.Table, s string) (dump.Addr, uint64, error) {
	if v, err := strconv.ParseUint(s, 0, 64); err == nil {
		return dump.Addr(v), 0, nil
	}
	name, offStr, sign := s, "", int64(1)
	if i := strings.LastIndexAny(s, "+-"); i > 0 {
		name, offStr = s[:i], s[i+1:]
		if s[i] == '-' {
			sign = -1
		}
	}
	sym, ok := tab.Lookup(name)
	if !ok {
		return 0, 0, fmt.Errorf("%s: no such symbol in %s, and not a number", name, tab.Path())
	}
	if offStr == "" {
		return dump.Addr(sym.Value), sym.Size, nil
	}
	off, err := strconv.ParseUint(offStr, 0, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("%q: offset %q is not a number", s, offStr)
	}
	return dump.Addr(sym.Value + uint64(sign)*off), 0, nil
}

// hexDumper writes hexdump -C style lines labelled with memory addresses, squeezing
// repeated lines into "*" as hexdump does.
type hexDumper struct {
	w        io.Writer
	addr     uint64 // address of the next byte
	line     []byte
	prev     []byte
	squeezed bool
	started  bool
}

func newHexDumper(w io.Writer, addr uint64) *hexDumper { return &hexDumper{w: w, addr: addr} }

func (h *hexDumper) Write(p []byte) (int, error) {
	for _, b := range p {
		h.line = append(h.line, b)
		if len(h.line) == 16 {
			h.flush()
		}
	}
	return len(p), nil
}

func (h *hexDumper) flush() {
	if len(h.line) == 0 {
		return
	}
	start := h.addr
	h.addr += uint64(len(h.line))
	if h.started && len(h.line) == 16 && bytes.Equal(h.line, h.prev) {
		if !h.squeezed {
			fmt.Fprintln(h.w, "*")
			h.squeezed = true
		}
		h.line = h.line[:0]
		return
	}
	h.started, h.squeezed = true, false
	var sb strings.Builder
	fmt.Fprintf(&sb, "%016x ", start)
	for i := 0; i < 16; i++ {
		if i == 8 {
			sb.WriteByte(' ')
		}
		if i < len(h.line) {
			fmt.Fprintf(&sb, " %02x", h.line[i])
		} else {
			sb.WriteString("   ")
		}
	}
	sb.WriteString("  |")
	for _, b := range h.line {
		if b < 0x20 || b > 0x7e {
			b = '.'
		}
		sb.WriteByte(b)
	}
	sb.WriteString("|\n")
	io.WriteString(h.w, sb.String())
	h.prev = append(h.prev[:0], h.line...)
	h.line = h.line[:0]
}

// Close flushes the last partial line and writes the end address, as hexdump does.
func (h *hexDumper) Close() error {
	h.flush()
	if h.started {
		_, err := fmt.Fprintf(h.w, "%016x\n", h.addr)
		return err
	}
	return nil
}

// nmLetter gives nm's one-letter type for an nlist type: upper case for external.
func nmLetter(t symtab.NType) byte {
	if t == symtab.NFn {
		return 'f'
	}
	var c byte
	switch t &^ symtab.NExt {
	case symtab.NText:
		c = 't'
	case symtab.NData:
		c = 'd'
	case symtab.NBss:
		c = 'b'
	case symtab.NAbs:
		c = 'a'
	default:
		return 'U'
	}
	if t&symtab.NExt != 0 {
		c -= 'a' - 'A'
	}
	return c
}
