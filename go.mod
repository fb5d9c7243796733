module github.com/kdump-bsd/kdump

go 1.26.0

require (
	github.com/dsnet/compress v0.0.1
	github.com/google/go-cmp v0.7.0
	github.com/klauspost/compress v1.20.4
	github.com/spf13/pflag v1.1.0
	golang.org/x/sys v0.50.0
)

require golang.org/x/term v0.48.0 // indirect
