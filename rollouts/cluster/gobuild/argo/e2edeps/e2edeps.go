//go:build tools

// Package e2edeps keeps the imports of Argo's e2e tests in this module's graph, so `go test -c` of
// github.com/argoproj/argo-rollouts/test/e2e finds every go.sum entry it needs.
package e2edeps

import (
	_ "github.com/argoproj/argo-rollouts/test/fixtures"
	_ "github.com/stretchr/testify/suite"
	_ "github.com/tj/assert"
	_ "go.yaml.in/yaml/v2"
)
