package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// checkOutputFile makes sure a file a flag names can be written, before
// any work (connecting to a cluster, running a forecast) is done: its
// directory exists and is writable, and the file itself is no directory.
// An empty path is no file to write.
func checkOutputFile(flag, path string) error {
	if path == "" || path == "-" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usageError(fmt.Errorf("%s %s: is a directory: give a file name", flag, path))
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return usageError(fmt.Errorf("%s %s: the directory %s does not exist: create it, or give a file in an existing directory", flag, path, dir))
	}
	if !fi.IsDir() {
		return usageError(fmt.Errorf("%s %s: %s is not a directory", flag, path, dir))
	}
	probe, err := os.CreateTemp(dir, ".virtupdate-probe-*")
	if err != nil {
		return usageError(fmt.Errorf("%s %s: the directory %s is not writable: give a file in a directory you can write", flag, path, dir))
	}
	name := probe.Name()
	probe.Close()
	os.Remove(name)
	return nil
}

// readFlagInput is readInput for a file a flag names: an error names the
// flag and the file ("--migrations f.json: no such file or directory").
func readFlagInput(cmd *cobra.Command, flag, name string) ([]byte, error) {
	if name != "-" {
		if _, err := os.Stat(name); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("%s %s: %w", flag, name, err)
		}
	}
	data, err := readInput(cmd, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return data, nil
}
