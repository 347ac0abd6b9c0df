// Command deploycheck validates the bridge's deployment files offline, with the libraries of the projects that define
// their formats: the Kubernetes manifests, built by kustomize (sigs.k8s.io/kustomize/api) as `kubectl apply -k` does,
// against the Kubernetes API types (k8s.io/api), and docker-compose.yml with the Compose specification's own loader
// (compose-go).
//
//	deploycheck k8s <dir with kustomization.yaml | manifest.yaml ...>
//	deploycheck compose [--env NAME=VALUE ...] <docker-compose.yml>
//
// It prints one line per object or service and one line per problem, and exits 1 when there is any problem, 2 on a
// usage error.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var problems int
	switch os.Args[1] {
	case "k8s":
		if len(os.Args) < 3 {
			usage()
		}
		problems = checkKubernetes(os.Args[2:])
	case "compose":
		problems = checkCompose(os.Args[2:])
	default:
		usage()
	}
	if problems > 0 {
		fmt.Printf("FAIL: %d problem(s)\n", problems)
		os.Exit(1)
	}
	fmt.Println("OK")
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: deploycheck k8s <dir|file.yaml ...> | deploycheck compose [--env NAME=VALUE ...] <compose.yml>")
	os.Exit(2)
}

// moduleVersion is the version of a module linked into this binary, so the output names the release it checked against.
func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path == path {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return "unknown"
}

// oneLine keeps one problem on one output line: YAML errors span several ("unmarshal errors:\n  line 12: ...").
func oneLine(err error) string {
	var parts []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if trimmed := strings.TrimSpace(line); trimmed != "" {
			parts = append(parts, trimmed)
		}
	}
	return strings.Join(parts, " ")
}
