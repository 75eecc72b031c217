// Package cosimbin builds the cosim command for the integration tests that
// run it as a subprocess, as a user would. It owns only that build.
//
// It links the command's packages in (blank imports), so that a test
// importing it is rebuilt, and its cached result dropped, when the models
// change: go test's cache cannot see what a subprocess runs.
package cosimbin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"

	_ "cosim/cosim/bench"
	_ "cosim/cosim/machine"
	_ "cosim/cosim/trace/tracecmd"
	_ "cosim/kernel/prebuilt"
	_ "cosim/soc/gen"
)

// Build builds cosim/cmd/cosim into dir and returns the binary's path.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "cosim")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "cosim/cmd/cosim")
	cmd.Dir = sourceDir() // inside the module, whatever the test's working directory
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("cosimbin: go build cosim/cmd/cosim: %w\n%s", err, out)
	}
	return bin, nil
}

var (
	once      sync.Once
	sharedBin string
	sharedErr error
)

// Shared builds the binary once per test process, into a temporary
// directory that Remove deletes (call it from TestMain after m.Run).
func Shared() (string, error) {
	once.Do(func() {
		dir, err := os.MkdirTemp("", "cosim-test-bin-")
		if err != nil {
			sharedErr = err
			return
		}
		sharedBin, sharedErr = Build(context.Background(), dir)
		if sharedErr != nil {
			os.RemoveAll(dir)
		}
	})
	return sharedBin, sharedErr
}

// Remove deletes what Shared built.
func Remove() {
	if sharedBin != "" {
		os.RemoveAll(filepath.Dir(sharedBin))
	}
}

func sourceDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}
