package report

import (
	"errors"
	"fmt"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
)

// Message-buffer magic numbers (spec §14.1, DragonFlyBSD sys/sys/msgbuf.h).
const (
	MsgMagic    = 0x063064 // 2015-03 and later: indices not reduced mod msg_size, msg_bufl added
	MsgOldMagic = 0x063062 // 2007–2015 (MSG_OMAGIC): indices reduced mod msg_size
)

// WarnMsgbuf is the warning kind for a message buffer that could not be read
// the normal way: msgbufp missing or NULL, an implausible struct msgbuf, or the
// text taken from the minidump's msgbuf section instead of kernel memory.
const WarnMsgbuf = "msgbuf"

const (
	// maxMsgbufSize bounds msg_size: MSGBUF_SIZE is 64 KiB to 1 MiB in every
	// DragonFly release; anything past this is a corrupt header.
	maxMsgbufSize = 64 << 20
	// maxMsgbufHeader bounds sizeof(struct msgbuf) as a layout claims it (24 or 32).
	maxMsgbufHeader = 256
	// maxGapWarnings caps the per-gap warnings of a partly unreadable buffer.
	maxGapWarnings = 8
)

// Msgbuf is a kernel message buffer read from a dump: the bytes DragonFly's
// dmesg would read, oldest first, and where they came from.
type Msgbuf struct {
	// Source is "memory" (struct msgbuf found through msgbufp) or "section"
	// (the minidump's copy of the buffer, spec §3.4).
	Source string `json:"source"`
	// Addr is the struct msgbuf (the value of msgbufp); nil when not read
	// from kernel memory.
	Addr *dump.Addr `json:"addr"`
	// Header is the struct msgbuf; nil when the section held none usable.
	Header *MsgbufHeader `json:"header"`
	// Text is the bytes dmesg reads, in order, NUL bytes (which dmesg skips)
	// removed; DmesgLines turns it into what dmesg prints.
	Text []byte `json:"-"`
	// Lost counts the bytes of that range that could not be read; they are
	// left out of Text.
	Lost uint64 `json:"lost"`
}

// MsgbufHeader is a decoded struct msgbuf.
type MsgbufHeader struct {
	Magic uint32    `json:"magic"`
	Size  uint32    `json:"size"` // msg_size: bytes of the data area
	Bufx  uint32    `json:"bufx"` // write index
	Bufr  uint32    `json:"bufr"` // read base (2015+), syslogd's read pointer before
	Bufl  *uint32   `json:"bufl"` // log-device read index; 2015+ layout only
	Ptr   dump.Addr `json:"ptr"`  // msg_ptr: the data area
}

// Old reports whether the header has the 2007–2015 format.
func (h *MsgbufHeader) Old() bool { return h.Magic == MsgOldMagic }

// Section is the minidump's copy of the message buffer (spec §3.4): the bytes at
// msg_ptr as the dump writer saved them, and the header's msgbufsize.
type Section struct {
	Data []byte
	Size uint64 // msgbufsize: msg_size when the dump was written
}

// CoreSection returns the msgbuf section of c; it is empty for formats that
// have none (everything but minidumps).
func CoreSection(c *dump.Core) Section {
	return Section{Data: c.Msgbuf(), Size: c.Info().MsgbufSize}
}

// ReadMsgbuf reads the kernel message buffer the way DragonFly's dmesg -M -N
// does (spec §14.2): msgbufp, then the struct msgbuf it points to (decoded
// through lay), then msg_size bytes of ring at msg_ptr. Bytes of the ring that
// kernel memory lacks are taken from sec when it holds them. When msgbufp or
// its struct cannot be used, the text comes from sec alone, with a warning
// saying so. It returns nil when there is no text to be had; the warnings say
// why. r is the core, tab its kernel's symbols.
func ReadMsgbuf(r dump.Reader, tab *symtab.Table, lay structs.Provider, sec Section) (*Msgbuf, []Warning) {
	ws := []Warning{}
	warn := func(kind string, a *dump.Addr, format string, args ...any) {
		ws = append(ws, Warning{Kind: kind, Addr: a, Message: fmt.Sprintf(format, args...)})
	}
	ml, err := msgbufLayoutOf(lay)
	if err != nil {
		warn(WarnMsgbuf, nil, "cannot decode struct msgbuf: %v", err)
	} else if mb := readMemoryMsgbuf(r, tab, ml, sec, warn); mb != nil {
		return mb, ws
	}
	if len(sec.Data) == 0 {
		warn(WarnMsgbuf, nil, "the core has no msgbuf section to fall back on")
		return nil, ws
	}
	return readSectionMsgbuf(sec, ml, err == nil, warn), ws
}

type warnFunc func(kind string, a *dump.Addr, format string, args ...any)

// msgbufLayout holds the offsets of struct msgbuf's members in one kernel.
type msgbufLayout struct {
	size                                int64
	magic, msize, bufx, bufr, ptr, bufl int64 // bufl is -1 in the old layout
}

func msgbufLayoutOf(lay structs.Provider) (msgbufLayout, error) {
	if lay == nil {
		return msgbufLayout{}, errors.New("no struct layouts for this kernel")
	}
	l, err := lay.Layout("msgbuf")
	if err != nil {
		return msgbufLayout{}, err
	}
	if l.Size <= 0 || l.Size > maxMsgbufHeader {
		return msgbufLayout{}, fmt.Errorf("struct msgbuf is %d bytes, want 1..%d", l.Size, maxMsgbufHeader)
	}
	ml := msgbufLayout{size: l.Size, bufl: -1}
	for _, m := range []struct {
		name     string
		size     int64
		dst      *int64
		optional bool
	}{
		{"msg_magic", 4, &ml.magic, false},
		{"msg_size", 4, &ml.msize, false},
		{"msg_bufx", 4, &ml.bufx, false},
		{"msg_bufr", 4, &ml.bufr, false},
		{"msg_ptr", 8, &ml.ptr, false},
		{"msg_bufl", 4, &ml.bufl, true},
	} {
		f, ok := l.Lookup(m.name)
		switch {
		case !ok && m.optional:
			continue
		case !ok:
			return msgbufLayout{}, fmt.Errorf("struct msgbuf has no member %s", m.name)
		case f.Size != m.size || f.IsBitField() || f.Offset < 0 || f.End() > l.Size:
			return msgbufLayout{}, fmt.Errorf("struct msgbuf member %s is %d bytes at offset %d of %d, want %d bytes inside the struct", m.name, f.Size, f.Offset, l.Size, m.size)
		}
		*m.dst = f.Offset
	}
	return ml, nil
}

// decode reads a struct msgbuf from b (at least ml.size bytes).
func (ml msgbufLayout) decode(b []byte) *MsgbufHeader {
	u32 := func(off int64) uint32 {
		return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
	}
	h := &MsgbufHeader{Magic: u32(ml.magic), Size: u32(ml.msize), Bufx: u32(ml.bufx), Bufr: u32(ml.bufr)}
	h.Ptr = dump.Addr(uint64(u32(ml.ptr)) | uint64(u32(ml.ptr+4))<<32)
	if ml.bufl >= 0 {
		v := u32(ml.bufl)
		h.Bufl = &v
	}
	return h
}

// check says what makes h unusable, or nil.
func (h *MsgbufHeader) check() error {
	switch {
	case h.Magic != MsgMagic && h.Magic != MsgOldMagic:
		return fmt.Errorf("magic %#x, want %#x or %#x", h.Magic, MsgMagic, MsgOldMagic)
	case h.Size == 0 || h.Size > maxMsgbufSize:
		return fmt.Errorf("msg_size %d is implausible (want 1..%d)", h.Size, maxMsgbufSize)
	}
	return nil
}

// span returns the ring offset dmesg starts reading at and how many bytes it
// reads (spec §14.2). 2015+ (sbin/dmesg/dmesg.c 1ab323cec1): from msg_bufr to
// msg_bufx, unreduced u32 indices, clipped to the newest msg_size−2048 bytes
// once more than msg_size−1024 are pending. The old format keeps msg_bufr as
// syslogd's read pointer, so the dmesg of its era read the whole buffer from
// the write pointer, skipping the NULs of a buffer that never wrapped; the
// 2015 formula, applied to it, would show only what syslogd had not read yet.
func (h *MsgbufHeader) span() (start, n uint32) {
	if h.Old() {
		if h.Bufx >= h.Size {
			return 0, h.Size
		}
		return h.Bufx, h.Size
	}
	r := h.Bufr
	n = h.Bufx - r
	if n > h.Size-1024 {
		r = h.Bufx - h.Size + 2048
		n = h.Bufx - r
	}
	return r % h.Size, min(n, h.Size) // min: only for sizes below 2048, which no kernel uses
}

// readMemoryMsgbuf follows msgbufp; nil when that fails (warnings say why).
func readMemoryMsgbuf(r dump.Reader, tab *symtab.Table, ml msgbufLayout, sec Section, warn warnFunc) *Msgbuf {
	sym, ok := tab.Lookup("msgbufp")
	if !ok {
		warn(WarnMsgbuf, nil, "kernel %s has no symbol msgbufp", tab.Path())
		return nil
	}
	pa := dump.Addr(sym.Value)
	p, err := dump.ReadPtr(r, pa)
	if err != nil {
		warn(WarnFault, &pa, "cannot read msgbufp: %v", err)
		return nil
	}
	if p == 0 {
		warn(WarnMsgbuf, &pa, "msgbufp is NULL: the kernel had not set up its message buffer")
		return nil
	}
	b := make([]byte, ml.size)
	if _, err := r.ReadAt(b, p); err != nil {
		warn(WarnFault, &p, "cannot read struct msgbuf at %v (msgbufp): %v", p, err)
		return nil
	}
	h := ml.decode(b)
	if err := h.check(); err != nil {
		warn(WarnMsgbuf, &p, "struct msgbuf at %v (msgbufp) is not a message buffer: %v", p, err)
		return nil
	}
	if h.Ptr == 0 || uint64(h.Ptr)+uint64(h.Size) < uint64(h.Ptr) {
		warn(WarnMsgbuf, &p, "struct msgbuf at %v: msg_ptr %v cannot hold msg_size %d bytes", p, h.Ptr, h.Size)
		return nil
	}
	if h.Old() && h.Bufx >= h.Size {
		warn(WarnMsgbuf, &p, "struct msgbuf at %v: msg_bufx %d is not below msg_size %d; reading from offset 0, as dmesg does", p, h.Bufx, h.Size)
	}
	// The section may fill pages the dump left out, if it is this buffer's copy.
	var fill []byte
	if sec.Size == uint64(h.Size) && uint64(len(sec.Data)) >= sec.Size {
		fill = sec.Data[:h.Size]
	}
	start, n := h.span()
	text, lost, gaps := readRing(r, h.Ptr, h.Size, start, n, fill)
	if n > 0 && lost == uint64(n) {
		warn(WarnFault, &h.Ptr, "none of the %d message-buffer bytes at msg_ptr %v could be read: %v", n, h.Ptr, gaps[0].err)
		return nil
	}
	for i, g := range gaps {
		if i == maxGapWarnings {
			warn(WarnFault, &g.addr, "%d more unreadable stretches of the message buffer", len(gaps)-i)
			break
		}
		warn(WarnFault, &g.addr, "message-buffer bytes [%v, %v) could not be read (%v); the text there is missing", g.addr, g.addr+dump.Addr(g.n), g.err)
	}
	return &Msgbuf{Source: "memory", Addr: &p, Header: h, Text: text, Lost: lost}
}

// gap is a stretch of the ring that could not be read.
type gap struct {
	addr dump.Addr
	n    uint64
	err  error // the first fault in it
}

// readRing reads n bytes of the ring of size bytes at ptr, starting at ring
// offset start and wrapping at size, one page at a time so that an unreadable
// page loses only itself. Bytes memory lacks come from fill (the section's copy
// of the ring) when it is not nil. NULs are dropped; the text grows only with
// bytes actually read, whatever size claims.
func readRing(r dump.Reader, ptr dump.Addr, size, start, n uint32, fill []byte) (text []byte, lost uint64, gaps []gap) {
	var page [dump.PageSize]byte
	off := start
	for left := n; left > 0; {
		a := ptr + dump.Addr(off)
		k := min(left, size-off, uint32(dump.PageSize-uint64(a)&dump.PageMask))
		got, err := r.ReadAt(page[:k], a)
		text = appendText(text, page[:got])
		if miss := k - uint32(got); miss > 0 {
			mo := off + uint32(got)
			if fill != nil {
				text = appendText(text, fill[mo:mo+miss])
			} else {
				lost += uint64(miss)
				ga := ptr + dump.Addr(mo)
				if l := len(gaps) - 1; l >= 0 && gaps[l].addr+dump.Addr(gaps[l].n) == ga {
					gaps[l].n += uint64(miss)
				} else {
					if err == nil {
						err = fmt.Errorf("short read")
					}
					gaps = append(gaps, gap{ga, uint64(miss), err})
				}
			}
		}
		left -= k
		if off += k; off == size {
			off = 0
		}
	}
	return text, lost, gaps
}

// appendText appends b to text without its NUL bytes, which dmesg skips.
func appendText(text, b []byte) []byte {
	for _, c := range b {
		if c != 0 {
			text = append(text, c)
		}
	}
	return text
}

// readSectionMsgbuf reads the text from the minidump's msgbuf section. With the
// usual page-multiple MSGBUF_SIZE the section's tail is the struct msgbuf itself
// (msgbufinit puts it right after the msg_size data bytes), which gives the
// indices; without it the ring is read in buffer order.
func readSectionMsgbuf(sec Section, ml msgbufLayout, haveLayout bool, warn warnFunc) *Msgbuf {
	size := sec.Size
	if size == 0 || size > uint64(len(sec.Data)) || size > maxMsgbufSize {
		if size != 0 {
			warn(WarnMsgbuf, nil, "the minidump header's msgbufsize %d does not fit its msgbuf section of %d bytes; using the section's length", size, len(sec.Data))
		}
		size = uint64(min(len(sec.Data), maxMsgbufSize))
	}
	ring := sec.Data[:size]
	if haveLayout && uint64(len(sec.Data)) >= size+uint64(ml.size) {
		h := ml.decode(sec.Data[size:])
		if h.check() == nil && uint64(h.Size) == size {
			if h.Old() && h.Bufx >= h.Size {
				warn(WarnMsgbuf, nil, "the section's struct msgbuf: msg_bufx %d is not below msg_size %d; reading from offset 0, as dmesg does", h.Bufx, h.Size)
			}
			warn(WarnMsgbuf, nil, "message buffer read from the minidump's msgbuf section (%d bytes) and the struct msgbuf at its end, not through msgbufp", size)
			start, n := h.span()
			text, _, _ := readRing(sliceReader(ring), 0, h.Size, start, n, nil)
			return &Msgbuf{Source: "section", Header: h, Text: text}
		}
	}
	if ring[size-1] == 0 {
		// A buffer that never wrapped ends in the NULs msgbufinit cleared it
		// with: buffer order is the order the text was written.
		warn(WarnMsgbuf, nil, "message buffer read from the minidump's msgbuf section (%d bytes), not through msgbufp", size)
	} else {
		warn(WarnMsgbuf, nil, "message buffer read from the minidump's msgbuf section (%d bytes), not through msgbufp; the write index is unknown and the buffer has wrapped, so the text is in buffer order: the oldest lines may follow the newest", size)
	}
	return &Msgbuf{Source: "section", Text: appendText(nil, ring)}
}

// sliceReader reads a byte slice as memory at address 0.
type sliceReader []byte

func (s sliceReader) ReadAt(p []byte, a dump.Addr) (int, error) {
	if a >= dump.Addr(len(s)) {
		return 0, &dump.FaultError{Addr: a, Len: len(p), Kind: dump.Unmapped}
	}
	n := copy(p, s[a:])
	if n < len(p) {
		return n, &dump.FaultError{Addr: a + dump.Addr(n), Len: len(p) - n, Kind: dump.Unmapped}
	}
	return n, nil
}
