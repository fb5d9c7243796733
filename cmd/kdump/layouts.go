package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kdump-bsd/kdump/structs"
	"github.com/kdump-bsd/kdump/symtab"
	"github.com/spf13/pflag"
)

// layoutFlags choose where struct layouts come from: the kernel's DWARF (the
// default), a separate debug file, or a built-in profile.
type layoutFlags struct {
	debug  string
	layout string
}

func (l *layoutFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&l.debug, "debug", "", "the stripped kernel's separate debug file (kernel.debug) to take struct layouts from")
	fs.StringVar(&l.layout, "layout", "", "use a built-in layout profile instead of DWARF ("+profileList()+")")
}

func profileList() string {
	var names []string
	for _, p := range structs.Profiles() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// provider returns the layouts to decode with, and a note when kdump chose a
// built-in profile by itself (the kernel had no DWARF).
func (l *layoutFlags) provider(kernel string, tab *symtab.Table) (p structs.Provider, note string, err error) {
	switch {
	case l.layout != "" && l.debug != "":
		return nil, "", fmt.Errorf("--layout and --debug exclude each other")
	case l.layout != "":
		prof, err := structs.ProfileByName(l.layout)
		if err != nil {
			return nil, "", err
		}
		return prof, "", nil
	case l.debug != "":
		lay, err := structs.OpenDebug(kernel, l.debug)
		if err != nil {
			return nil, "", err
		}
		return lay, "", nil
	}
	lay, err := structs.Open(kernel)
	if err == nil {
		return lay, "", nil
	}
	if !errors.Is(err, structs.ErrNoDWARF) {
		return nil, "", err
	}
	rel, _ := tab.OSRelease()
	ver, _ := tab.Version()
	prof, perr := structs.Select(rel, ver)
	if perr != nil {
		return nil, "", fmt.Errorf("%s has no DWARF (stripped) and no built-in layout profile fits it: %v; give the kernel's debug file with --debug kernel.debug, or force a profile with --layout NAME", kernel, perr)
	}
	return prof, fmt.Sprintf("%s has no DWARF; using the built-in layout profile %s (chosen from osrelease %q)", kernel, prof.Name, rel), nil
}
