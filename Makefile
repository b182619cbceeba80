# qga-forge: plain Makefile. `make` builds ./qga-forge, `make check` runs every
# test, `make demo` runs the main job on the built-in example, `make install`
# installs bin/qga-forge and its data under $(DESTDIR)$(PREFIX).

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/qga-forge
DESTDIR    ?=

CC         ?= gcc
PKG_CONFIG ?= pkg-config
PKGS       := rpm libgit2 json-c popt createrepo_c

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
MODULES    := util workspace schemaedit specedit patchgen rpm agent publish
LIB_SRCS   := $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c))
CLI_SRCS   := $(wildcard src/cli/*.c)
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS   := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check check-unit check-cli check-e2e check-asan check-valgrind demo install clean bench

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

# Every test: unit (cmocka), CLI (shell), and end to end on real QEMU sources.
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@./tests/run-all.sh

check-unit: all $(UNIT_BINS)
	@./tests/run-all.sh --unit

check-cli: all
	@./tests/run-all.sh --cli

demo: deps
	@$(MAKE) --no-print-directory all
	@./scripts/demo.sh

bench: all
	@./bench/init.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates
	install -m 0755 qga-forge $(DESTDIR)$(BINDIR)/qga-forge
	cp -R templates/. $(DESTDIR)$(DATADIR)/templates/

clean:
	rm -rf $(BUILD) qga-forge

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
