package main

import "os"

// osArgs0 is the program name, a variable so tests can pretend to be the
// kubectl plugin.
var osArgs0 = func() string { return os.Args[0] }
