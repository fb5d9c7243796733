package main

import (
	"strings"

	"github.com/kdump-bsd/kdump/report"
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
func (l *layoutFlags) provider(kernel string, tab *symtab.Table) (structs.Provider, string, error) {
	return report.Layouts(kernel, tab, l.layout, l.debug)
}
