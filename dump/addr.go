package dump

import "strconv"

// Addr is a kernel virtual or physical address. amd64 kernel addresses are negative
// as int64, which is why Reader does not use io.ReaderAt.
type Addr uint64

// String formats a as 0x-prefixed hexadecimal.
func (a Addr) String() string { return "0x" + strconv.FormatUint(uint64(a), 16) }

// MarshalText implements encoding.TextMarshaler, so JSON carries addresses as "0x…".
func (a Addr) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts 0x-prefixed hex.
func (a *Addr) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 0, 64)
	if err != nil {
		return err
	}
	*a = Addr(v)
	return nil
}
