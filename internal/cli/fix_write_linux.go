package cli

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// reserve makes the file system allocate room for the file to hold size bytes, leaving its
// length as it is: a disk too full for the new text says so before a byte of it is written.
// A file system that cannot reserve room (some network ones) is written without.
func reserve(f *os.File, size int64) error {
	const keepSize = 0x01 // FALLOC_FL_KEEP_SIZE
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := sc.Control(func(fd uintptr) {
		for {
			if ferr = syscall.Fallocate(int(fd), keepSize, 0, size); !errors.Is(ferr, syscall.EINTR) {
				return
			}
		}
	}); err != nil {
		return err
	}
	switch {
	case ferr == nil, errors.Is(ferr, syscall.EOPNOTSUPP), errors.Is(ferr, syscall.ENOSYS):
		return nil
	}
	return fmt.Errorf("reserving %d bytes: %w", size, ferr)
}
