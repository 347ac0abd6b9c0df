package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

// checkCompose loads a compose file the way `docker compose config` does: compose-go's loader validates it against
// the Compose specification's JSON schema, interpolates variables, and checks its references (services, volumes,
// networks). Variables come only from --env, never from this process's environment or a .env file, so the result does
// not depend on the machine that runs the check. Every profile is enabled, so no service escapes the check.
func checkCompose(args []string) int {
	var env []string
	var file string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--env" && i+1 < len(args):
			env = append(env, args[i+1])
			i++
		case file == "" && !strings.HasPrefix(args[i], "--"):
			file = args[i]
		default:
			usage()
		}
	}
	if file == "" {
		usage()
	}
	fmt.Printf("Compose specification: github.com/compose-spec/compose-go/v2 %s\n", moduleVersion("github.com/compose-spec/compose-go/v2"))

	options, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithEnv(env),
		cli.WithProfiles([]string{"*"}),
		cli.WithInterpolation(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fmt.Printf("problem: %s: %s\n", file, oneLine(err))
		return 1
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fmt.Printf("problem: %s: %s\n", file, oneLine(err))
		return 1
	}

	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		service := project.Services[name]
		profiles := "-"
		if len(service.Profiles) > 0 {
			profiles = strings.Join(service.Profiles, ",")
		}
		fmt.Printf("service %s image=%s profiles=%s\n", name, service.Image, profiles)
	}
	return 0
}
