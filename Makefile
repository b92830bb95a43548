# migctl — GNU make build. See README.md for the commands.
#
#   make          build build/migctl
#   make check    install missing Debian packages, build with ASan+UBSan into
#                 build/check and run every test (unit, CLI, fuzz smoke)
#   make demo     install missing packages, build, run scripts/demo.sh
#   make fuzz     build the libFuzzer targets into build/fuzz
#   make fuzz-long  run each to FUZZ_RUNS (10^7) or FUZZ_SECONDS (600): executions, findings
#   make bench    build and run the benchmarks
#   make portable build/portable/migctl with libyaml and jansson linked in
#   make install  install migctl into $(PREFIX)/bin, its man pages and its
#                 bash completion
#
# On a fresh machine every target that compiles first installs the
# packages it lacks (scripts/install-deps.sh, only what is missing) or
# says in one line what to run.
#
# Outputs: build/migctl, build/migsim, build/sim/libnvidia-ml.so.1 (and the
# older driver branches, build/sim-<branch>/libnvidia-ml.so.1),
# build/man/*.1, build/completion/migctl

PREFIX   ?= /usr/local
BUILD    ?= build
SANITIZE ?= 0
CC       ?= cc
FUZZ_CC  ?= clang

PKGS      := yaml-0.1 jansson
# Only the CLI links these: the exporter's HTTP server and top's screen.
CLI_PKGS  := libmicrohttpd ncursesw
# and the exporter's gzip.
CLI_PKGS  += zlib
# libacl: POSIX ACLs on the capability device nodes (migctl access).
PKGS      += libacl
TEST_PKGS := cmocka

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ifeq ($(SANITIZE),1)
CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
          -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
# -fPIC everywhere: the library objects also go into the simulator's .so.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -fPIC $(WARN) $(CFLAGS) -Iinclude -Ilib \
             $(shell pkg-config --cflags $(PKGS))
LIBS = $(shell pkg-config --libs $(PKGS))
# libmicrohttpd is not linked: cli/cmd_exporter.c opens it when the
# exporter starts (it brings GnuTLS, whose loading every command paid).
CLI_LIBS = $(shell pkg-config --libs $(filter-out libmicrohttpd,$(CLI_PKGS))) -lpthread

# lib/util/ is the internal helper layer (YAML, bus IDs, lists, files,
# strings) that the library, the CLI and the simulator share.
UTIL_SRC := $(wildcard lib/util/*.c)
LIB_SRC  := $(wildcard lib/*.c) $(UTIL_SRC)
# The pure core the simulator shares; it gets none of the NVML client code.
CORE_SRC := lib/catalog.c lib/catalog_builtin.c lib/error.c lib/geometry.c $(UTIL_SRC)
CLI_SRC  := $(wildcard cli/*.c)
SIM_SRC  := sim/ops.c sim/state.c sim/telemetry.c sim/driver.c
# The state's generation counter, shared by mapping (sim/generation.c).
SIM_SRC  += sim/generation.c
# The simulated driver's procfs files and device nodes.
SIM_SRC  += sim/driver_root.c
TEST_SRC := $(wildcard tests/unit/test_*.c)
SIMTEST_SRC := $(wildcard tests/sim/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
BENCH_SRC := $(wildcard bench/*.c)
CATALOG  := $(sort $(wildcard data/catalog/*.yaml))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/builtin_catalog.o
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/builtin_catalog.o
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/%.o)
# The exported NVML functions, only in the simulator's library.
SIM_NVML_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard sim/nvml*.c))
# The older driver branches the simulator also builds (lib/nvml_entries.h).
SIM_BRANCHES := 450 515 535
SIM_BRANCH_LIBS := $(SIM_BRANCHES:%=$(BUILD)/sim-%/libnvidia-ml.so.1)
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%) \
            $(SIMTEST_SRC:tests/sim/%.c=$(BUILD)/tests/%)
FUZZERS  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: FORCE all deps deps-build docs check portable test-run demo fuzz fuzz-smoke fuzz-long bench install clean crash-long
.DEFAULT_GOAL := all

all: $(BUILD)/migctl $(BUILD)/migsim $(BUILD)/sim/libnvidia-ml.so.1 $(SIM_BRANCH_LIBS) docs

deps:
	@scripts/install-deps.sh

deps-build:
	@scripts/install-deps.sh build

# What a compiling target needs first when pkg-config does not find it
# (empty when everything is there, so a normal build never runs dpkg).
NEED_BUILD := $(if $(shell pkg-config --exists $(PKGS) $(CLI_PKGS) 2>/dev/null && echo y),,deps-build)
NEED_TEST  := $(if $(shell pkg-config --exists $(TEST_PKGS) 2>/dev/null && \
                command -v $(FUZZ_CC) >/dev/null && echo y),,deps)

# The flags a build directory was built with: objects depend on this
# stamp, rewritten only when the flags change (SANITIZE=1 into an existing
# plain build, say), so a changed flag rebuilds instead of mixing objects.
FLAGS_STAMP := $(BUILD)/.flags
$(FLAGS_STAMP): FORCE | $(NEED_BUILD)
	@mkdir -p $(BUILD)
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
	    echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' >$@
FORCE:

$(BUILD)/%.o: %.c $(FLAGS_STAMP) $(wildcard include/migctl/*.h lib/*.h lib/util/*.h cli/*.h sim/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isim -c $< -o $@

# The catalog is compiled: a host tool loads the YAML files with the
# library's own parser and validator and writes them as C tables.
GEN_SRC := tools/catalog_gen.c lib/catalog.c lib/error.c $(UTIL_SRC)
$(BUILD)/tools/catalog_gen: $(GEN_SRC) $(wildcard include/migctl/*.h lib/util/*.h) | $(NEED_BUILD)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -Iinclude -Ilib \
	    $(shell pkg-config --cflags $(PKGS)) $(GEN_SRC) $(LIBS) -o $@

$(BUILD)/gen/builtin_catalog.c: $(BUILD)/tools/catalog_gen $(CATALOG)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/catalog_gen $@ $(CATALOG)

$(BUILD)/gen/builtin_catalog.o: $(BUILD)/gen/builtin_catalog.c lib/builtin.h include/migctl/catalog.h $(FLAGS_STAMP)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libmigctl.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/migctl: $(CLI_OBJ) $(BUILD)/libmigctl.a
	$(CC) $(LDFLAGS) $^ $(LIBS) $(CLI_LIBS) -o $@

# The simulator's version scripts and export lists come from the one NVML
# entry-point table (lib/nvml_entries.h) through a host tool.
$(BUILD)/tools/nvml_map: tools/nvml_map.c lib/nvml_entries.h lib/nvml_abi.h | $(NEED_BUILD)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O2 -Ilib $< -o $@

$(BUILD)/gen/libnvidia-ml-%.map: $(BUILD)/tools/nvml_map
	@mkdir -p $(dir $@)
	$(BUILD)/tools/nvml_map map $* >$@
.PRECIOUS: $(BUILD)/gen/libnvidia-ml-%.map

# Man pages and bash completion come from the command descriptors, through
# the binary's hidden helpers, so they cannot disagree with the code.
docs: $(BUILD)/man/migctl.1 $(BUILD)/completion/migctl

$(BUILD)/man/migctl.1: $(BUILD)/migctl
	@mkdir -p $(dir $@)
	$(BUILD)/migctl __man >$@.tmp && mv $@.tmp $@
	@for c in $$($(BUILD)/migctl __commands); do \
	    $(BUILD)/migctl __man $$c >$(dir $@)migctl-$$c.1 || exit 1; done

$(BUILD)/completion/migctl: $(BUILD)/migctl
	@mkdir -p $(dir $@)
	$(BUILD)/migctl __completion bash >$@.tmp && mv $@.tmp $@

# The simulator: an NVML library exporting exactly the names in its version
# script, and the control tool. Beside each library, libnvidia-ml.so (the
# name clients such as nvml-wrapper open) links to it.
$(BUILD)/sim/libnvidia-ml.so.1: $(SIM_NVML_OBJ) $(SIM_OBJ) $(CORE_OBJ) $(BUILD)/gen/libnvidia-ml-full.map
	$(CC) -shared -Wl,-soname,libnvidia-ml.so.1 \
	    -Wl,--version-script=$(BUILD)/gen/libnvidia-ml-full.map -Wl,--no-undefined \
	    $(LDFLAGS) $(filter %.o,$^) $(LIBS) -o $@
	ln -sf libnvidia-ml.so.1 $(@D)/libnvidia-ml.so

# The same simulator as an older driver branch shows it (fewer entry
# points, lib/nvml_entries.h): build/sim-450/, sim-515/, sim-535/ (the
# newest branch is build/sim/), and build/sim-legacy/ (= 450), on which the
# CLI tests prove the binding's fallbacks.
$(BUILD)/sim-%/libnvidia-ml.so.1: $(SIM_NVML_OBJ) $(SIM_OBJ) $(CORE_OBJ) $(BUILD)/gen/libnvidia-ml-%.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libnvidia-ml.so.1 \
	    -Wl,--version-script=$(BUILD)/gen/libnvidia-ml-$*.map -Wl,--no-undefined \
	    $(LDFLAGS) $(filter %.o,$^) $(LIBS) -o $@
	ln -sf libnvidia-ml.so.1 $(@D)/libnvidia-ml.so

$(BUILD)/migsim: $(patsubst %.c,$(BUILD)/%.o,$(wildcard sim/migsim*.c)) $(SIM_OBJ) $(BUILD)/libmigctl.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

# Unit tests link the library (and the simulator's model, for its tests).
$(BUILD)/tests/%: tests/unit/%.c tests/unit/sim_fixture.h $(SIM_OBJ) $(BUILD)/libmigctl.a | $(NEED_TEST)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isim $(shell pkg-config --cflags $(TEST_PKGS)) $< \
	    $(SIM_OBJ) $(BUILD)/libmigctl.a $(LDFLAGS) $(LIBS) \
	    $(shell pkg-config --libs $(TEST_PKGS)) -o $@

# The CLI's GPU-reset callback is tested on its own (it is not library code).
$(BUILD)/tests/test_gpu_reset: tests/unit/test_gpu_reset.c $(BUILD)/cli/gpu_reset.o | $(NEED_TEST)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icli $(shell pkg-config --cflags $(TEST_PKGS)) $^ \
	    $(LDFLAGS) $(shell pkg-config --libs $(TEST_PKGS)) -o $@

# So is its eviction callback (pid identity before any signal).
$(BUILD)/tests/test_evict: tests/unit/test_evict.c $(BUILD)/cli/evict.o $(BUILD)/libmigctl.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icli $(shell pkg-config --cflags $(TEST_PKGS)) $^ \
	    $(LDFLAGS) $(LIBS) $(shell pkg-config --libs $(TEST_PKGS)) -o $@

# Simulator conformance tests are NVML clients: they only dlopen the
# library (MIGSIM_LIB) and drive the machine with migsim (MIGSIM_BIN).
$(BUILD)/tests/%: tests/sim/%.c $(BUILD)/sim/libnvidia-ml.so.1 $(BUILD)/migsim | $(NEED_TEST)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(TEST_PKGS)) $< \
	    $(LDFLAGS) -ldl $(shell pkg-config --libs $(TEST_PKGS)) -o $@

check: deps
	@$(MAKE) --no-print-directory BUILD=build/check SANITIZE=1 test-run

# The benchmarks are built (not run) too, so that they keep compiling.
test-run: all $(BUILD)/sim-legacy/libnvidia-ml.so.1 $(BUILD)/tools/nvml_map $(TESTS) $(BENCHES) fuzz
	@tests/run-tests.sh $(BUILD)

# The crash-consistency test of tests/unit/test_apply_crash.c at full
# length: 20 seeds, over 1,000 trials (`make check` runs 3).
crash-long: all $(BUILD)/tests/test_apply_crash
	MIGSIM_LIB=$(abspath $(BUILD))/sim/libnvidia-ml.so.1 MIGSIM_BIN=$(abspath $(BUILD))/migsim \
	    MIGCTL_CRASH_SEEDS=20 $(BUILD)/tests/test_apply_crash

demo: deps all
	@scripts/demo.sh $(BUILD)/migctl

# libFuzzer targets: the library is compiled into each with clang.
fuzz: $(FUZZERS)

build/fuzz/gen/builtin_catalog.c: $(BUILD)/gen/builtin_catalog.c
	@mkdir -p $(dir $@)
	cp $< $@

build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(SIM_SRC) build/fuzz/gen/builtin_catalog.c \
              $(wildcard include/migctl/*.h lib/*.h lib/util/*.h sim/*.h) | $(NEED_TEST)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Iinclude -Ilib -Isim $(shell pkg-config --cflags $(PKGS)) \
	    $< $(LIB_SRC) $(SIM_SRC) build/fuzz/gen/builtin_catalog.c $(LIBS) -o $@

# The command-line targets also link the CLI (all but main.c).
build/fuzz/fuzz_cli_args build/fuzz/fuzz_slurm: build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(filter-out cli/main.c,$(CLI_SRC)) \
              build/fuzz/gen/builtin_catalog.c $(wildcard include/migctl/*.h lib/*.h lib/util/*.h cli/*.h) | $(NEED_TEST)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Iinclude -Ilib -Icli $(shell pkg-config --cflags $(PKGS)) \
	    $< $(LIB_SRC) $(filter-out cli/main.c,$(CLI_SRC)) build/fuzz/gen/builtin_catalog.c \
	    $(LIBS) $(CLI_LIBS) -o $@

# The command line on the simulator: the CLI, and the simulator's state
# code to build its machine; the commands load build/fuzz/sim's library.
# The simulator's NVML library for the targets that load it (cli_sim,
# nvml_node): built with $(FUZZ_CC) and without sanitizers, whatever
# BUILD is, so that it loads into a libFuzzer process.
build/fuzz/sim/libnvidia-ml.so.1: $(wildcard sim/nvml*.c) $(SIM_SRC) $(CORE_SRC) \
              build/fuzz/gen/builtin_catalog.c $(BUILD)/gen/libnvidia-ml-full.map \
              $(wildcard include/migctl/*.h lib/*.h lib/util/*.h sim/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -O1 -g -fPIC -shared -Wl,-soname,libnvidia-ml.so.1 \
	    -Wl,--version-script=$(BUILD)/gen/libnvidia-ml-full.map -Wl,--no-undefined \
	    -Iinclude -Ilib -Isim $(shell pkg-config --cflags $(PKGS)) \
	    $(wildcard sim/nvml*.c) $(SIM_SRC) $(CORE_SRC) build/fuzz/gen/builtin_catalog.c \
	    $(LIBS) -lpthread -o $@

# NVML answers: the machine is the input, read through that library.
build/fuzz/fuzz_nvml_node: build/fuzz/sim/libnvidia-ml.so.1
# The targets' shared scratch-directory and library lookup.
$(FUZZERS): tests/fuzz/fuzz_env.h

build/fuzz/fuzz_cli_sim: tests/fuzz/fuzz_cli_sim.c $(LIB_SRC) $(filter-out cli/main.c,$(CLI_SRC)) \
              $(SIM_SRC) build/fuzz/gen/builtin_catalog.c build/fuzz/sim/libnvidia-ml.so.1 \
              $(wildcard include/migctl/*.h lib/*.h lib/util/*.h cli/*.h sim/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Iinclude -Ilib -Icli -Isim $(shell pkg-config --cflags $(PKGS)) \
	    $< $(LIB_SRC) $(filter-out cli/main.c,$(CLI_SRC)) $(SIM_SRC) \
	    build/fuzz/gen/builtin_catalog.c $(LIBS) $(CLI_LIBS) -o $@

fuzz-smoke: fuzz
	@tests/fuzz/smoke.sh

# Each fuzz target to FUZZ_RUNS executions or FUZZ_SECONDS: executions and findings.
fuzz-long: all fuzz
	@tests/fuzz/long.sh

$(BUILD)/bench/%: bench/%.c bench/bench_util.h $(BUILD)/libmigctl.a $(wildcard lib/*.h lib/util/*.h include/migctl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libmigctl.a $(LDFLAGS) $(LIBS) -lm -o $@

bench: deps all $(BENCHES)
	@bench/run.sh $(BUILD)

# migctl with libyaml and jansson linked in, for a GPU host that lacks
# them (scripts/real-driver-check.sh runs it there).
portable:
	@$(MAKE) --no-print-directory BUILD=build/portable \
	    LIBS='-Wl,-Bstatic $(LIBS) -Wl,-Bdynamic' build/portable/migctl

# The simulator library goes where migctl --sim looks for it, off the
# loader's path so that it never shadows a real driver.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/migctl \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0755 $(BUILD)/migctl $(BUILD)/migsim $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BUILD)/sim/libnvidia-ml.so.1 $(DESTDIR)$(PREFIX)/lib/migctl/
	install -m 0644 $(BUILD)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(BUILD)/completion/migctl \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/migctl
	ln -sf libnvidia-ml.so.1 $(DESTDIR)$(PREFIX)/lib/migctl/libnvidia-ml.so
	for b in $(SIM_BRANCHES); do \
	    install -d $(DESTDIR)$(PREFIX)/lib/migctl/sim-$$b && \
	    install -m 0755 $(BUILD)/sim-$$b/libnvidia-ml.so.1 $(DESTDIR)$(PREFIX)/lib/migctl/sim-$$b/ && \
	    ln -sf libnvidia-ml.so.1 $(DESTDIR)$(PREFIX)/lib/migctl/sim-$$b/libnvidia-ml.so || exit 1; \
	done

clean:
	rm -rf build
