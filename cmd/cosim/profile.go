package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
)

// cpuProfile is the --cpuprofile flag of the commands that run guests: the
// host CPU profile of the run, for `go tool pprof` and for the profile-guided
// build (cmd/cosim/default.pgo, made by scripts/pgo.sh).
type cpuProfile struct{ path string }

func (p *cpuProfile) register(fs *flag.FlagSet) {
	fs.StringVar(&p.path, "cpuprofile", "", "write the host CPU profile of the run to `FILE` (pprof format)")
}

// start begins profiling when asked; the returned function ends it (once,
// however often it is called).
func (p *cpuProfile) start() (stop func(), err error) {
	if p.path == "" {
		return func() {}, nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
		})
	}, nil
}
