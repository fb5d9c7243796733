package main

import (
	"io"

	"github.com/kdump-bsd/kdump/dump"
	"github.com/kdump-bsd/kdump/symtab"
	"github.com/spf13/pflag"
)

// target is the -M/-N pair most commands take.
type target struct {
	core, kernel string
}

func (t *target) register(fs *pflag.FlagSet, needCore bool) {
	if needCore {
		fs.StringVarP(&t.core, "core", "M", "", "the crash dump (vmcore.N, optionally .gz/.zst/.bz2)")
	}
	fs.StringVarP(&t.kernel, "kernel", "N", "", "the kernel the dump came from (kern.N)")
}

// open opens the kernel and the core; on failure it has printed why.
func (t *target) open(cmd string, stderr io.Writer, needCore bool) (*symtab.Table, *dump.Core, int) {
	if t.kernel == "" || (needCore && t.core == "") {
		if needCore {
			return nil, nil, failf(stderr, cmd, "need -M CORE and -N KERNEL")
		}
		return nil, nil, failf(stderr, cmd, "need -N KERNEL")
	}
	tab, err := symtab.Open(t.kernel)
	if err != nil {
		return nil, nil, failf(stderr, cmd, "%v", err)
	}
	if !needCore {
		return tab, nil, exitOK
	}
	core, err := dump.Open(t.core, dump.WithSymbols(tab.Resolver()))
	if err != nil {
		tab.Close()
		return nil, nil, failf(stderr, cmd, "%v", err)
	}
	return tab, core, exitOK
}
