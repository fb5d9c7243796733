package structs

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
)

// Limits on the debug sections Open loads (they are read into memory whole).
// A DragonFly GENERIC kernel.debug has a .debug_info of a few hundred MB.
const (
	maxDebugSection = 1 << 30 // bytes of one (uncompressed) debug section
	maxDebugTotal   = 1 << 31 // bytes of all debug sections together
)

// Open reads the DWARF of the kernel ELF file at path (read-only) and
// indexes its type definitions. A kernel without DWARF gives an error
// wrapping ErrNoDWARF: use OpenDebug with its separate kernel.debug, or a
// built-in Profile. Damaged files give an error naming the file, never a
// panic; when only the tail of .debug_info is damaged, the compilation units
// before the damage are kept and Layouts.Warnings says so.
func Open(path string) (*Layouts, error) {
	ef, err := openELF(path)
	if err != nil {
		return nil, err
	}
	defer ef.close()
	d, warn, err := ef.dwarf()
	if err != nil {
		return nil, err
	}
	return fromDWARF(d, path, warn)
}

// OpenDebug reads the layouts of a stripped kernel from its separate debug
// file (kernel.debug, as written by objcopy --only-keep-debug). The kernel
// must be an ELF file; when both files carry a GNU build ID they must be
// equal, and when the kernel has a .gnu_debuglink its CRC-32 must match the
// debug file; otherwise the error wraps ErrMismatch.
func OpenDebug(kernel, debugFile string) (*Layouts, error) {
	kf, err := openELF(kernel)
	if err != nil {
		return nil, err
	}
	defer kf.close()
	df, err := openELF(debugFile)
	if err != nil {
		return nil, err
	}
	defer df.close()
	if err := checkPair(kf, df); err != nil {
		return nil, err
	}
	d, warn, err := df.dwarf()
	if err != nil {
		return nil, err
	}
	return fromDWARF(d, kernel+" (debug file "+debugFile+")", warn)
}

// elfFile is an ELF file opened for reading its DWARF.
type elfFile struct {
	path string
	os   *os.File
	size int64
	f    *elf.File
}

func (e *elfFile) close() { e.os.Close() }

func (e *elfFile) errf(off int64, cat error, format string, args ...any) error {
	return &DWARFError{File: e.path, Offset: off, What: fmt.Sprintf(format, args...), Err: cat}
}

// openELF opens path and parses its ELF headers, recovering from panics in
// debug/elf.
func openELF(path string) (ef *elfFile, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file (%v)", path, fi.Mode().Type())
	}
	ef = &elfFile{path: path, os: f, size: fi.Size()}
	defer func() {
		if p := recover(); p != nil {
			f.Close()
			ef, err = nil, ef.errf(-1, ErrMalformed, "internal error while parsing the ELF file: %v", p)
		}
	}()
	var magic [4]byte
	if n, _ := f.ReadAt(magic[:], 0); n != 4 || string(magic[:]) != elf.ELFMAG {
		f.Close()
		return nil, ef.errf(-1, ErrMalformed, "not an ELF file")
	}
	ef.f, err = elf.NewFile(f)
	if err != nil {
		f.Close()
		return nil, ef.errf(-1, ErrMalformed, "parsing the ELF headers (%d-byte file): %v", ef.size, err)
	}
	return ef, nil
}

// isDebug reports whether s is a DWARF section that elf.File.DWARF loads.
func isDebug(s *elf.Section) bool {
	return strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_")
}

// checkSections validates every debug section against the file before
// anything is read: stored bytes inside the file, uncompressed sizes within
// the limits. It reports whether the file has a .debug_info.
func (e *elfFile) checkSections() (bool, error) {
	var total uint64
	hasInfo := false
	for _, s := range e.f.Sections {
		if !isDebug(s) {
			continue
		}
		if s.Type == elf.SHT_NOBITS {
			continue // no bytes in the file; hidden from elf.File.DWARF by dwarf()
		}
		if s.Offset > uint64(e.size) || s.FileSize > uint64(e.size)-s.Offset {
			return false, e.errf(-1, ErrMalformed, "section %s (file offset %#x, %d bytes) extends past the end of the file (%d bytes)", s.Name, s.Offset, s.FileSize, e.size)
		}
		size := s.Size
		if strings.HasPrefix(s.Name, ".zdebug_") {
			var h [12]byte
			if n, _ := e.os.ReadAt(h[:], int64(s.Offset)); n == 12 && string(h[:4]) == "ZLIB" {
				size = binary.BigEndian.Uint64(h[4:])
			}
		}
		if size > maxDebugSection {
			return false, e.errf(-1, ErrMalformed, "section %s claims %d bytes uncompressed (limit %d)", s.Name, size, maxDebugSection)
		}
		total += size
		if total > maxDebugTotal {
			return false, e.errf(-1, ErrMalformed, "debug sections total more than %d bytes", maxDebugTotal)
		}
		if s.Name == ".debug_info" || s.Name == ".zdebug_info" {
			hasInfo = s.Size > 0
		}
	}
	return hasInfo, nil
}

// dwarf loads the DWARF of the file. When debug/dwarf rejects the whole
// .debug_info, the longest prefix of whole units it accepts is kept (linked
// files only) and warn says so.
func (e *elfFile) dwarf() (d *dwarf.Data, warn string, err error) {
	hasInfo, err := e.checkSections()
	if err != nil {
		return nil, "", err
	}
	if !hasInfo {
		return nil, "", e.errf(-1, ErrNoDWARF, "no .debug_info section (a stripped kernel? give its kernel.debug, or use a built-in layout profile)")
	}
	// elf.File.DWARF fails on SHT_NOBITS debug sections (a debug file may
	// keep some as placeholders); hide them by renaming.
	for _, s := range e.f.Sections {
		if isDebug(s) && s.Type == elf.SHT_NOBITS {
			s.Name = "(nobits)" + s.Name
		}
	}
	defer func() {
		if p := recover(); p != nil {
			d, warn, err = nil, "", e.errf(-1, ErrMalformed, "internal error while loading the DWARF: %v", p)
		}
	}()
	d, err = e.f.DWARF()
	if err == nil {
		return d, "", nil
	}
	if d, warn := e.salvage(); d != nil {
		return d, fmt.Sprintf("%s (%v)", warn, err), nil
	}
	return nil, "", e.errf(-1, ErrMalformed, "loading the DWARF: %v", err)
}

// salvage loads the DWARF of a linked file with .debug_info cut to the
// longest prefix of whole compilation units that debug/dwarf accepts.
func (e *elfFile) salvage() (*dwarf.Data, string) {
	if e.f.Type != elf.ET_EXEC && e.f.Type != elf.ET_DYN {
		return nil, "" // relocatable objects need their relocations applied
	}
	sec := func(name string) []byte {
		for _, prefix := range []string{".debug_", ".zdebug_"} {
			if s := e.f.Section(prefix + name); s != nil {
				if b, err := s.Data(); err == nil {
					return b
				}
			}
		}
		return nil
	}
	abbrev, info, str := sec("abbrev"), sec("info"), sec("str")
	bounds := unitBounds(info)
	try := func(n int) *dwarf.Data {
		d, err := newDWARFData(abbrev, info[:n], str)
		if err != nil {
			return nil
		}
		for _, extra := range []string{"addr", "line_str", "str_offsets", "rnglists", "loclists"} {
			if b := sec(extra); b != nil && d.AddSection(".debug_"+extra, b) != nil {
				return nil
			}
		}
		return d
	}
	// Binary search for the longest accepted prefix of whole units.
	lo, hi := 0, len(bounds)
	var best *dwarf.Data
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if d := try(bounds[mid-1]); d != nil {
			best, lo = d, mid
		} else {
			hi = mid - 1
		}
	}
	if best == nil {
		return nil, ""
	}
	return best, fmt.Sprintf("DWARF damaged: kept the first %d whole compilation units (%d of %d bytes of .debug_info)",
		lo, bounds[lo-1], len(info))
}

// unitBounds returns the end offsets of the whole units at the start of a
// .debug_info section (32- and 64-bit DWARF unit lengths).
func unitBounds(info []byte) []int {
	var out []int
	off := 0
	for off+4 <= len(info) {
		n := uint64(binary.LittleEndian.Uint32(info[off:]))
		hdr := 4
		if n == 0xffffffff {
			if off+12 > len(info) {
				break
			}
			n, hdr = binary.LittleEndian.Uint64(info[off+4:]), 12
		} else if n >= 0xfffffff0 {
			break
		}
		if n > uint64(len(info)-off-hdr) {
			break
		}
		off += hdr + int(n)
		out = append(out, off)
	}
	return out
}

// newDWARFData is dwarf.New for the sections this package uses, with
// debug/dwarf's panics turned into errors.
func newDWARFData(abbrev, info, str []byte) (d *dwarf.Data, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("debug/dwarf: %v", p)
		}
	}()
	return dwarf.New(abbrev, nil, nil, info, nil, nil, nil, str)
}

// sectionBytes returns the bytes of the named section, or nil.
func (e *elfFile) sectionBytes(name string, limit uint64) []byte {
	s := e.f.Section(name)
	if s == nil || s.Type == elf.SHT_NOBITS || s.Size > limit || s.Offset > uint64(e.size) || s.FileSize > uint64(e.size)-s.Offset {
		return nil
	}
	b, err := s.Data()
	if err != nil {
		return nil
	}
	return b
}

// buildID returns the descriptor of the NT_GNU_BUILD_ID note, or nil.
func (e *elfFile) buildID() []byte {
	b := e.sectionBytes(".note.gnu.build-id", 4096)
	if len(b) < 12 {
		return nil
	}
	bo := e.f.ByteOrder
	namesz, descsz, typ := bo.Uint32(b), bo.Uint32(b[4:]), bo.Uint32(b[8:])
	nameEnd := 12 + (uint64(namesz)+3)&^3
	if typ != 3 || nameEnd > uint64(len(b)) || uint64(descsz) > uint64(len(b))-nameEnd {
		return nil
	}
	return b[nameEnd : nameEnd+uint64(descsz)]
}

// checkPair verifies that a stripped kernel and a debug file belong together
// when the files say how to tell.
func checkPair(kernel, debug *elfFile) error {
	if a, b := kernel.buildID(), debug.buildID(); a != nil && b != nil && !bytes.Equal(a, b) {
		return fmt.Errorf("%s: build ID %x, but %s has %x: %w", kernel.path, a, debug.path, b, ErrMismatch)
	}
	link := kernel.sectionBytes(".gnu_debuglink", 4096)
	if link == nil {
		return nil
	}
	nul := bytes.IndexByte(link, 0)
	if nul < 0 {
		return nil
	}
	at := (nul + 4) &^ 3
	if at+4 > len(link) {
		return nil
	}
	want := kernel.f.ByteOrder.Uint32(link[at:])
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, io.NewSectionReader(debug.os, 0, debug.size)); err != nil {
		return fmt.Errorf("%s: %w", debug.path, err)
	}
	if got := h.Sum32(); got != want {
		return fmt.Errorf("%s: .gnu_debuglink names %q with CRC-32 %#08x, but %s has %#08x: %w",
			kernel.path, link[:nul], want, debug.path, got, ErrMismatch)
	}
	return nil
}
