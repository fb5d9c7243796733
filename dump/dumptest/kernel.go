package dumptest

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"sort"
	"strings"
)

// kernelImage is what Sample takes from a kernel ELF file.
type kernelImage struct {
	sections   []imageSection
	start, end uint64 // VA range of the SHF_ALLOC sections
	syms       map[string]elf.Symbol
	names      []string // every symbol name, for pattern searches
	symList    []elf.Symbol
	msgbuf     map[string]int64 // struct msgbuf member offsets from DWARF (nil: none)
}

type imageSection struct {
	name  string
	va    uint64
	size  uint64
	data  []byte // nil for SHT_NOBITS
	exec  bool
	write bool
}

// loadKernel reads a kernel ELF file. debug/elf and debug/dwarf may panic on
// malformed input; that is turned into an error naming the file.
func loadKernel(path string) (k *kernelImage, err error) {
	defer func() {
		if r := recover(); r != nil {
			k, err = nil, fmt.Errorf("dumptest: kernel %s: malformed ELF: %v", path, r)
		}
	}()
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dumptest: kernel %s: %w", path, err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("dumptest: kernel %s: not an x86-64 ELF64 file", path)
	}
	k = &kernelImage{syms: map[string]elf.Symbol{}}
	k.start = ^uint64(0)
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 || s.Flags&elf.SHF_TLS != 0 {
			continue
		}
		is := imageSection{name: s.Name, va: s.Addr, size: s.Size,
			exec: s.Flags&elf.SHF_EXECINSTR != 0, write: s.Flags&elf.SHF_WRITE != 0}
		if s.Type != elf.SHT_NOBITS {
			if is.data, err = s.Data(); err != nil {
				return nil, fmt.Errorf("dumptest: kernel %s: section %s: %w", path, s.Name, err)
			}
		}
		k.sections = append(k.sections, is)
		k.start = min(k.start, s.Addr)
		k.end = max(k.end, s.Addr+s.Size)
	}
	if len(k.sections) == 0 {
		return nil, fmt.Errorf("dumptest: kernel %s: no allocated sections", path)
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("dumptest: kernel %s: symbols: %w", path, err)
	}
	k.symList = syms
	for _, s := range syms {
		if s.Name == "" {
			continue
		}
		old, dup := k.syms[s.Name]
		// Prefer a global definition over a local one of the same name.
		if !dup || (elf.ST_BIND(old.Info) == elf.STB_LOCAL && elf.ST_BIND(s.Info) != elf.STB_LOCAL) {
			k.syms[s.Name] = s
		}
		if !dup {
			k.names = append(k.names, s.Name)
		}
	}
	sort.Strings(k.names)
	if d, derr := f.DWARF(); derr == nil {
		k.msgbuf = structMembers(d, "msgbuf")
	}
	return k, nil
}

// structMembers returns the member offsets of the first complete struct named
// name in d (nil when there is none).
func structMembers(d *dwarf.Data, name string) map[string]int64 {
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			return nil
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		if n, _ := e.Val(dwarf.AttrName).(string); n != name {
			r.SkipChildren()
			continue
		}
		if decl, _ := e.Val(dwarf.AttrDeclaration).(bool); decl {
			r.SkipChildren()
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			return nil
		}
		st, ok := t.(*dwarf.StructType)
		if !ok || st.Incomplete {
			continue
		}
		out := map[string]int64{}
		for _, f := range st.Field {
			out[f.Name] = f.ByteOffset
		}
		return out
	}
}

// sym looks a symbol up by exact name.
func (k *kernelImage) sym(name string) (elf.Symbol, bool) {
	s, ok := k.syms[name]
	return s, ok
}

// panicBuffer finds the kernel's static panic buffer: a symbol named panicbuf or
// panic_buf, or a local object named buf.<digits> (gcc's name for the function
// static `buf` in panic()) of at least 256 bytes.
func (k *kernelImage) panicBuffer() (elf.Symbol, bool) {
	for _, n := range []string{"panicbuf", "panic_buf"} {
		if s, ok := k.syms[n]; ok && s.Value != 0 {
			return s, true
		}
	}
	for _, s := range k.symList {
		if strings.HasPrefix(s.Name, "buf.") && elf.ST_TYPE(s.Info) == elf.STT_OBJECT && s.Size >= 256 {
			if strings.Trim(s.Name[4:], "0123456789") == "" {
				return s, true
			}
		}
	}
	return elf.Symbol{}, false
}
