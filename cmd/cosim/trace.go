package main

import "cosim/cosim/trace/tracecmd"

// runTrace hands `cosim trace ...` to the trace package's command.
func runTrace(args []string) int { return tracecmd.Main(args, stdout, stderr) }
