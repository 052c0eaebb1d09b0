# endure: plain Makefile. Sources are found by wildcard so that each module
# only adds files; `make test` builds everything and runs tests/run.sh.
CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0
# The commit `endure --version` names: from git, "unknown" in a tree without
# .git (a tarball); a packager may pass COMMIT=... (a "-dirty" suffix: built
# with uncommitted changes).
ifeq ($(origin COMMIT),undefined)
COMMIT := $(shell if [ -e .git ] && c=$$(git rev-parse --short=12 HEAD 2>/dev/null); then \
	  git diff --quiet HEAD -- 2>/dev/null || c=$$c-dirty; echo $$c; else echo unknown; fi)
endif
PKGS    := libpcre2-8 libcurl zlib jansson yaml-0.1 libcrypto libmicrohttpd
CFLAGS  ?= -O2 -g
# Required flags live apart from CFLAGS so that `make CFLAGS=...` keeps them.
ALL_CFLAGS = $(CFLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I. \
	-DENDURE_VERSION=\"$(VERSION)\" $(shell pkg-config --cflags $(PKGS))
# snprintf truncation into bounded buffers is deliberate; gcc only.
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
ALL_CFLAGS += -Wno-format-truncation
endif
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lpthread -ldl
BUILD   ?= build

MODULES := common supervisor launcher diagnose checkpoint health oncall
LIB_SRC := $(filter-out supervisor/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPERS := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/%)

all: $(BUILD)/endure $(BUILD)/unit-tests $(HELPERS)

# Test-only stand-ins of the NVML, CUDA driver, CUDA runtime and NCCL libraries
# (tests/fakes/), never part of libendure.a; the nosym/ variants each lack one symbol.
FAKE_DIR  := $(BUILD)/tests/fakes
FAKE_LIBS := $(FAKE_DIR)/libnvidia-ml.so.1 $(FAKE_DIR)/libcuda.so.1 $(FAKE_DIR)/libnccl.so.2 \
	$(FAKE_DIR)/nosym/libnvidia-ml.so.1 $(FAKE_DIR)/nosym/libcuda.so.1 $(FAKE_DIR)/nosym/libnccl.so.2 \
	$(FAKE_DIR)/libcudart.so.12
all: $(FAKE_LIBS)
$(FAKE_DIR)/libnvidia-ml.so.1 $(FAKE_DIR)/nosym/libnvidia-ml.so.1: tests/fakes/fake_nvml.c
$(FAKE_DIR)/libcuda.so.1 $(FAKE_DIR)/nosym/libcuda.so.1: tests/fakes/fake_cuda.c
$(FAKE_DIR)/libnccl.so.2 $(FAKE_DIR)/nosym/libnccl.so.2: tests/fakes/fake_nccl.c
$(FAKE_DIR)/libcudart.so.12: tests/fakes/fake_cudart.c
$(FAKE_DIR)/%.so.1 $(FAKE_DIR)/%.so.2 $(FAKE_DIR)/%.so.12:
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(if $(findstring /nosym/,$@),-DFAKE_NOSYM) -fPIC -shared $(LDFLAGS) -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# main.o alone carries the commit, rebuilt when the commit changes.
$(BUILD)/supervisor/main.o: ALL_CFLAGS += -DENDURE_COMMIT=\"$(COMMIT)\"
$(BUILD)/supervisor/main.o: $(BUILD)/commit.stamp
$(BUILD)/commit.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' > $@
FORCE:

$(BUILD)/libendure.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/endure: $(BUILD)/supervisor/main.o $(BUILD)/libendure.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libendure.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/helpers/%.c $(BUILD)/libendure.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

test: all
	BUILD=$(BUILD) TEST_SANITIZER=$(TEST_SANITIZER) tests/run.sh

# ASan+UBSan build in its own directory, then the same test run.
asan:
	$(MAKE) BUILD=build-asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" TEST_SANITIZER=1 test

valgrind: all
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $(BUILD)/unit-tests --no-fork

fuzz:
	@if [ -x tests/fuzz/run.sh ]; then tests/fuzz/run.sh; else echo "no fuzz targets"; fi

# The first run: a 2-node x 2-rank job of examples/ddp_replicated.py with an
# injected crash; its files go under $(BUILD)/demo (examples/demo.sh).
demo: $(BUILD)/endure
	ENDURE=$(abspath $(BUILD))/endure DEMO_DIR=$(abspath $(BUILD))/demo examples/demo.sh

bench: all
	@for b in bench/*.sh; do case $$b in */compare.sh) continue ;; esac; \
	  [ -x "$$b" ] && BUILD=$(BUILD) "$$b"; done; true

# The Python helper also goes where $(PYTHON) imports from under PREFIX (its
# sys.path entry PREFIX/lib/.../site-packages or Debian's dist-packages), so
# that `import endure_ckpt` works without endure; endure itself puts
# PREFIX/share/endure/python on the ranks' PYTHONPATH either way.
PYTHON  ?= $(firstword $(wildcard /usr/bin/python3) python3)
PYSITE   = $(shell $(PYTHON) -c 'import sys; p = [d for d in sys.path if d.startswith("$(PREFIX)/lib/") and d.endswith("-packages")]; print(p[0] if p else "")' 2>/dev/null)

install: $(BUILD)/endure
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/endure/rules $(DESTDIR)$(PREFIX)/share/endure/python
	install -m 0755 $(BUILD)/endure $(DESTDIR)$(PREFIX)/bin/endure
	-cp -r rules/. $(DESTDIR)$(PREFIX)/share/endure/rules/
	install -d $(DESTDIR)$(PREFIX)/share/endure/benign
	install -m 0644 tests/data/diagnose/clean_* $(DESTDIR)$(PREFIX)/share/endure/benign/
	install -m 0644 python/endure_ckpt.py python/endure_state.py $(DESTDIR)$(PREFIX)/share/endure/python/
	@site='$(PYSITE)'; if [ -n "$$site" ]; then \
	  echo "install endure_ckpt.py into $$site"; \
	  install -d "$(DESTDIR)$$site" && install -m 0644 python/endure_ckpt.py python/endure_state.py "$(DESTDIR)$$site/"; \
	else echo "note: $(PYTHON) has no site directory under $(PREFIX)/lib: outside endure, add $(PREFIX)/share/endure/python to PYTHONPATH"; fi
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/doc/endure
	gzip -9n -c endure.1 > $(DESTDIR)$(PREFIX)/share/man/man1/endure.1.gz
	chmod 0644 $(DESTDIR)$(PREFIX)/share/man/man1/endure.1.gz
	install -m 0644 README.md LICENSE $(filter-out docs/notes-%,$(wildcard docs/*.md)) $(DESTDIR)$(PREFIX)/share/doc/endure/
	install -d $(DESTDIR)$(PREFIX)/share/doc/endure/examples
	install -m 0644 examples/ddp_replicated.py examples/sharded.py examples/faults.py $(DESTDIR)$(PREFIX)/share/doc/endure/examples/

# A Debian package of the tree `make install PREFIX=/usr` installs, with the
# helper in Debian's python3 dist-packages (packaging/mkdeb.sh); lintian
# checks it in the tests.
DEB      = $(BUILD)/endure_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null).deb
DEB_ROOT = $(abspath $(BUILD))/deb-root
deb: $(BUILD)/endure
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(DEB_ROOT) \
	  PYSITE=/usr/lib/python3/dist-packages BUILD=$(BUILD)
	packaging/mkdeb.sh $(DEB_ROOT) $(VERSION) $(COMMIT) $(DEB)

# The man page's `endure run` option list is generated from the flag table
# (supervisor/config_run.c and config_ops.c).
man: $(BUILD)/endure
	@GEN="$$($(BUILD)/endure run --help-man)" awk \
	  '/^\.\\" BEGIN generated/ {print; print ENVIRON["GEN"]; skip=1; next} /^\.\\" END generated/ {skip=0} !skip' \
	  endure.1 > endure.1.tmp && mv endure.1.tmp endure.1

clean:
	rm -rf build build-asan

.PHONY: all test asan valgrind fuzz bench install clean man demo deb FORCE
-include $(LIB_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(BUILD)/supervisor/main.d
