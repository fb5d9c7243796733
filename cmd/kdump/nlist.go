package main

import (
	"fmt"
	"io"
)

func runNlist(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("nlist", "-N KERNEL SYMBOL...", stderr)
	var t target
	t.register(fs, false)
	if st, ok := parse(fs, args); !ok {
		return st
	}
	if fs.NArg() == 0 {
		return failf(stderr, "nlist", "name at least one symbol")
	}
	tab, _, st := t.open("nlist", stderr, false)
	if st != exitOK {
		return st
	}
	defer tab.Close()
	status := exitOK
	for _, name := range fs.Args() {
		sym, ok := tab.Lookup(name)
		if !ok {
			fmt.Fprintf(stderr, "kdump nlist: %s: no such symbol\n", name)
			status = exitPartial
			continue
		}
		fmt.Fprintf(stdout, "%016x %c %s\n", sym.Value, nmLetter(sym.NType), name)
	}
	return status
}
