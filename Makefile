# The original iza's make targets, each kept with its equivalent in this workspace.
# `make help` lists them. Most need root (sudo), as iza itself does.

SHELL := /bin/bash
PNPM_VERSION := 10.34.9
NX := NX_NO_CLOUD=true NX_DAEMON=false pnpm nx --output-style=static
PREFIX ?= /usr/local
IZA_ROOT ?= /var/lib/iza


.PHONY: all build build-debug deps clean clean-all install uninstall test test-unit test-pull \
	test-images test-image-run test-memory test-full test-cgroup-v2 e2e check-overlay quickstart help lint

build: node_modules/.modules.yaml ## Build every package (the default)
	$(NX) run-many -t build

all: deps build ## Install dependencies, then build

deps: ## Install system packages (apt), pnpm and the workspace's npm packages
	bash tools/install-deps.sh

node_modules/.modules.yaml: pnpm-lock.yaml
	pnpm install --frozen-lockfile

build-debug: node_modules/.modules.yaml ## Build, with the native addon carrying debug symbols
	pnpm --filter @iza/ns-native run build:debug
	$(NX) run-many -t build

clean: ## Remove build output
	rm -rf packages/*/dist packages/ns-native/native/build e2e/dist .nx/cache

clean-all: clean ## Also remove node_modules and every image and container under IZA_ROOT
	-./iza --root $(IZA_ROOT) image prune --all --force >/dev/null 2>&1
	rm -rf node_modules packages/*/node_modules e2e/node_modules tools/*/node_modules
	rm -rf $(IZA_ROOT)

install: build ## Install iza system-wide ($(PREFIX)/bin/iza) and create $(IZA_ROOT)
	bash tools/install.sh $(PREFIX)
	install -d -m 0700 $(IZA_ROOT)

uninstall: ## Remove what `make install` installed
	bash tools/install.sh --uninstall $(PREFIX)

lint: node_modules/.modules.yaml ## Lint (includes the package-boundary rule) and format check
	$(NX) run-many -t lint

test: node_modules/.modules.yaml ## Basic tests: format, lint, typecheck and unit tests of every package
	pnpm run format:check
	$(NX) run-many -t lint typecheck test

test-pull: build ## Image download tests (e2e)
	cd e2e && pnpm run e2e -- pull

test-images: build ## Image listing and management tests (e2e)
	cd e2e && pnpm run e2e -- images

test-image-run: build ## Container execution tests (e2e)
	cd e2e && pnpm run e2e -- run

test-memory: build ## Resource limit tests (e2e)
	cd e2e && pnpm run e2e -- limits

e2e: build ## The whole end-to-end suite
	$(NX) run-many -t e2e

test-full: ## Everything CI runs: format, lint, typecheck, unit tests, the e2e suite, cgroup v2 in a VM
	pnpm run format:check
	$(NX) run-many -t lint typecheck test
	$(NX) run-many -t e2e
	$(NX) run-many -t e2e-cgroup-v2

test-cgroup-v2: build ## The cgroup and run cases on a pure cgroup v2 kernel (a qemu VM, tools/v2vm)
	$(NX) run-many -t e2e-cgroup-v2

check-overlay: build ## Check OverlayFS support (and everything else the host offers): iza info
	./iza info

quickstart: deps build ## Set up, then run a container (Docker Hub if reachable, else no-image mode)
	bash tools/quickstart.sh

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'
