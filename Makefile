# endure: plain Makefile. Sources are found by wildcard so that each module
# only adds files; `make test` builds everything and runs tests/run.sh.
CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0
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

# Test-only stand-ins of the NVML, CUDA driver and NCCL libraries (tests/fakes/),
# never part of libendure.a; the nosym/ variants each lack one symbol.
FAKE_DIR  := $(BUILD)/tests/fakes
FAKE_LIBS := $(FAKE_DIR)/libnvidia-ml.so.1 $(FAKE_DIR)/libcuda.so.1 $(FAKE_DIR)/libnccl.so.2 \
	$(FAKE_DIR)/nosym/libnvidia-ml.so.1 $(FAKE_DIR)/nosym/libcuda.so.1 $(FAKE_DIR)/nosym/libnccl.so.2
all: $(FAKE_LIBS)
$(FAKE_DIR)/libnvidia-ml.so.1 $(FAKE_DIR)/nosym/libnvidia-ml.so.1: tests/fakes/fake_nvml.c
$(FAKE_DIR)/libcuda.so.1 $(FAKE_DIR)/nosym/libcuda.so.1: tests/fakes/fake_cuda.c
$(FAKE_DIR)/libnccl.so.2 $(FAKE_DIR)/nosym/libnccl.so.2: tests/fakes/fake_nccl.c
$(FAKE_DIR)/%.so.1 $(FAKE_DIR)/%.so.2:
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(if $(findstring /nosym/,$@),-DFAKE_NOSYM) -fPIC -shared $(LDFLAGS) -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

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
	BUILD=$(BUILD) tests/run.sh

# ASan+UBSan build in its own directory, then the same test run.
asan:
	$(MAKE) BUILD=build-asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" test

valgrind: all
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $(BUILD)/unit-tests --no-fork

fuzz:
	@if [ -x tests/fuzz/run.sh ]; then tests/fuzz/run.sh; else echo "no fuzz targets"; fi

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
	install -m 0644 endure.1 $(DESTDIR)$(PREFIX)/share/man/man1/endure.1
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/endure/

# The man page's `endure run` option list is generated from config.c's table.
man: $(BUILD)/endure
	@GEN="$$($(BUILD)/endure run --help-man)" awk \
	  '/^\.\\" BEGIN generated/ {print; print ENVIRON["GEN"]; skip=1; next} /^\.\\" END generated/ {skip=0} !skip' \
	  endure.1 > endure.1.tmp && mv endure.1.tmp endure.1

clean:
	rm -rf build build-asan

.PHONY: all test asan valgrind fuzz bench install clean man
-include $(LIB_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(BUILD)/supervisor/main.d
