package walktest

func kernelPath(name string) string { return "../../testdata/kernels/kern-" + name }
