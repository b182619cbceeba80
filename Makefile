# qga-forge: plain Makefile. `make` builds ./qga-forge, `make check` runs every
# test, `make demo` runs the main job on the built-in example, `make install`
# installs bin/qga-forge and its data under $(DESTDIR)$(PREFIX).

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/qga-forge
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR    ?=

CC         ?= gcc
PKG_CONFIG ?= pkg-config
PKGS       := rpm libgit2 json-c popt createrepo_c zlib

# Debian ships librpmbuild without a .pc file: link it by name there.
RPMBUILD_LIBS := $(shell $(PKG_CONFIG) --libs rpmbuild 2>/dev/null || echo -lrpmbuild)

OPT        ?= -O2 -g
WARN       := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS     ?=
BASE_CFLAGS = -std=gnu11 $(OPT) $(WARN) -D_GNU_SOURCE \
              -DQGA_FORGE_VERSION='"$(VERSION)"' -DQGA_FORGE_DATADIR='"$(DATADIR)"' \
              -Isrc $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# Debian's createrepo_c.pc has an empty libdir (a bare -L): dropped here.
LIBS        = $(filter-out -L,$(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)) $(RPMBUILD_LIBS) -lrpmsign -lpthread

BUILD      ?= build
MODULES    := util workspace schemaedit specedit patchgen rpm agent publish deploy vm
LIB_SRCS   := $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c))
CLI_SRCS   := $(wildcard src/cli/*.c)
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS   := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check check-unit check-cli check-e2e check-asan check-valgrind demo install clean bench
.PHONY: check-kill
.PHONY: deps-containers rpm

BIN        ?= qga-forge

all: $(BIN)

$(BIN): $(CLI_OBJS) $(BUILD)/libqgaforge.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libqgaforge.a $(LIBS)

$(BUILD)/libqgaforge.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libqgaforge.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $< $(BUILD)/libqgaforge.a $(LIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)

# Build and test dependencies (apt-get, dnf or yum); quick when all is there.
deps:
	@./scripts/deps.sh

# What the container test (tests/e2e/t9500-container.sh) needs: podman, runc, debootstrap.
deps-containers:
	@./scripts/deps.sh --containers

# Every test: unit (cmocka), CLI (shell), and end to end on real QEMU sources.
check: deps deps-containers
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@./tests/run-all.sh

check-unit: all $(UNIT_BINS)
	@./tests/run-all.sh --unit

check-cli: all
	@./tests/run-all.sh --cli

# 200 random SIGKILLs across init, add-command, remove-command, patch, build
# and forge; after each, the next command must leave no litter and no process.
# `make check` runs 25 of them (tests/cli/t6030-random-kill.sh). KILLS=N.
KILLS ?= 200
check-kill: all
	@QGA_FORGE_RANDOM_KILLS=$(KILLS) bash tests/cli/t6030-random-kill.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@./scripts/demo.sh

# Benchmarks: each prints its ratio against the routine it replaces, measured
# in the same run (never a timed test).
bench: all
	@for b in init add-command exec agent forge vm; do \
		echo "== bench/$$b.sh"; ./bench/$$b.sh || exit 1; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates
	install -m 0755 qga-forge $(DESTDIR)$(BINDIR)/qga-forge
	cp -R templates/. $(DESTDIR)$(DATADIR)/templates/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DATADIR)/containers/el7
	install -m 0644 doc/qga-forge.1 $(DESTDIR)$(MANDIR)/man1/qga-forge.1
	install -m 0644 completion/qga-forge.bash $(DESTDIR)$(BASHCOMPDIR)/qga-forge
	install -m 0644 containers/el7/Containerfile containers/el7/CentOS-Vault.repo \
		$(DESTDIR)$(DATADIR)/containers/el7/
	install -m 0755 containers/el7/rebuild.sh $(DESTDIR)$(DATADIR)/containers/el7/rebuild.sh
	install -d $(DESTDIR)$(DATADIR)/scripts
	install -m 0755 scripts/vm-kernel.sh $(DESTDIR)$(DATADIR)/scripts/vm-kernel.sh

clean:
	rm -rf $(BUILD) qga-forge

# qga-forge itself as an rpm (qga-forge.spec): a tarball of the working tree
# (the files git knows or would add; everything when not a git checkout) is
# built with `rpmbuild -ba qga-forge.spec` in a private topdir. Packages: $(BUILD)/rpm/RPMS,
# $(BUILD)/rpm/SRPMS. Where the rpm database does not know rpm itself (Debian's
# is empty), BuildRequires cannot be checked: --nodeps.
RPM_TOPDIR ?= $(CURDIR)/$(BUILD)/rpm
RPM_TARBALL := $(RPM_TOPDIR)/SOURCES/qga-forge-$(VERSION).tar.gz
RPM_NODEPS ?= $(shell rpm -q rpm >/dev/null 2>&1 || echo --nodeps)
rpm:
	@test "$$(sed -n 's/^Version: *//p' qga-forge.spec)" = "$(VERSION)" || \
		{ echo "qga-forge.spec: Version is not $(VERSION)" >&2; exit 1; }
	rm -rf $(RPM_TOPDIR)
	mkdir -p $(RPM_TOPDIR)/SOURCES
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard; \
	else \
		find . -path ./$(BUILD) -prune -o ! -name qga-forge -type f -print0; \
	fi | tar --null -T - --ignore-failed-read --sort=name --owner=0 --group=0 --numeric-owner \
		--transform 'flags=r;s,^\(\./\)*,qga-forge-$(VERSION)/,' -czf $(RPM_TARBALL)
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS rpmbuild -ba $(RPM_NODEPS) \
		--define '_topdir $(RPM_TOPDIR)' --define '_sourcedir $(RPM_TOPDIR)/SOURCES' qga-forge.spec

# The unit and CLI tests again, built with AddressSanitizer and
# UndefinedBehaviorSanitizer; any report fails the run.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin/qga-forge \
		OPT="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" \
		build/asan/bin/qga-forge $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87 \
	 QGA_FORGE_BIN_DIR=$(CURDIR)/build/asan/bin UNIT_DIR=build/asan/tests \
	 ./tests/run-all.sh --unit --cli

# The unit tests and a set of CLI runs under valgrind memcheck: zero errors,
# zero definite leaks.
check-valgrind: deps all $(UNIT_BINS)
	@./tests/sanitizers/valgrind.sh

# libFuzzer harnesses (tests/fuzz/), built with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer. `make fuzz FUZZ_SECONDS=N` runs each for N
# seconds after replaying its regression inputs; `make check` runs each for
# 30 s with a fixed seed (tests/e2e/t8600-fuzz.sh). FUZZ_SEED=N repeats a run.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SEED    ?=
FUZZ_TARGETS := qapi spec reply patch cfile
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: fuzz fuzz-build

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) \
		OPT="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		$(FUZZ_TARGETS:%=build/fuzz/fuzzers/fuzz_%)

fuzz: deps fuzz-build
	@./tests/fuzz/run.sh -t $(FUZZ_SECONDS) $(if $(FUZZ_SEED),-s $(FUZZ_SEED)) $(FUZZ_TARGETS)

$(BUILD)/fuzzers/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(BUILD)/libqgaforge.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< \
		$(BUILD)/libqgaforge.a $(LIBS)
