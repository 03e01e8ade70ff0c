# Two commands: `make demo` and `make test`. Both set up everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test toolchain system-deps venv crds bench chaos conformance decisions clean

demo: toolchain system-deps
	$(BIN)/rollouts demo $(if $(ROUTER),--router $(ROUTER))

# In parallel: TEST_WORKERS pytest-xdist workers, each with its own control plane, whole files per worker, longest
# files first (tests/scheduling.py). TEST_WORKERS=0 runs in this one process.
TEST_WORKERS ?= 3
test: toolchain system-deps
	$(BIN)/python -m pytest --numprocesses=$(TEST_WORKERS) --dist=loadfile --no-loadscope-reorder $(PYTEST_ARGS)

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok from pinned Go modules
# into ~/.cache/rollouts/bin/<versions>/; when cached this takes well under a second.
toolchain: venv
	$(BIN)/rollouts cluster build

# Debian packages the tests use: a real Prometheus, tmux for the terminal watch view, openssl for the cluster PKI,
# chromium and its chromedriver for the dashboard's browser tests.
system-deps:
	@missing=""; \
	command -v prometheus >/dev/null || missing="$$missing prometheus"; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Benchmarks (not part of `make test`): each prints its figures; README's performance section quotes them.
bench: toolchain
	$(BIN)/python tests/benchmarks/bench_controller.py
	$(BIN)/python tests/benchmarks/bench_canary.py
	$(BIN)/python tests/plugin/bench_get.py

# Chaos (not part of `make test`): controller SIGKILLs, Prometheus faults, 10,000 generated specs; prints one table
# (also written to tests/chaos/results/latest.md).
chaos: toolchain system-deps
	ROLLOUTS_CHAOS=1 $(BIN)/python -m pytest tests/chaos -s $(PYTEST_ARGS)

# Argo Rollouts' own e2e suite against our controller (ARGS=--baseline: against Argo's), not part of `make test`.
# Builds Argo's pinned e2e binary and controller the first time (cached). SUITES=canary,istio and RUN=<regexp>
# select; Argo's E2E_* variables pass through; tables land in tests/conformance/results/. Then the interop tests:
# Argo's kubectl plugin against our controller and ours against Argo's (INTEROP=0 skips them).
INTEROP ?= 1
conformance: toolchain
	SUITES="$(SUITES)" RUN="$(RUN)" $(BIN)/python -m tests.conformance $(ARGS)
	if [ "$(INTEROP)" != 0 ]; then $(BIN)/python -m pytest -p no:xdist tests/conformance/interop.py; fi

# Decision quality (not part of `make test`): threshold templates against the judge on simulated canaries, seeds
# fixed; README's "Decision quality" section quotes its tables.
decisions: venv
	$(BIN)/python tests/benchmarks/decisions.py

# Regenerates rollouts/plan/podtemplate_fields.json, the field table behind Argo's exact pod-template hash, from the
# k8s.io/api pinned in rollouts/cluster/gobuild/podtemplate/go.mod (Argo Rollouts v1.10.2's). Needs only Go 1.24+.
podtemplate-fields:
	cd rollouts/cluster/gobuild/podtemplate && go run . > ../../../plan/podtemplate_fields.json.partial
	mv rollouts/plan/podtemplate_fields.json.partial rollouts/plan/podtemplate_fields.json

crds: venv
	$(BIN)/rollouts crds generate

clean:
	rm -rf $(VENV) build *.egg-info
