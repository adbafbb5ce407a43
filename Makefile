# Vesper build. `make` builds the server; `make test` runs every test;
# `make SANITIZE=1` builds with ASan+UBSan into build-san/.
CC ?= gcc
PKGS := jemalloc
SANITIZE ?= 0
OPT ?= -O2
BUILD := build
ifeq ($(SANITIZE),1)
BUILD := build-san
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
PKGS :=
endif

# jemalloc when it is there; otherwise libc malloc, with a warning (memory figures
# and fragmentation then differ from the benchmarks').
ifneq ($(PKGS),)
ifeq ($(shell pkg-config --exists jemalloc && echo yes),yes)
MALLOC_LIBS := $(shell pkg-config --libs jemalloc)
else
$(warning jemalloc not found (apt-get install libjemalloc-dev, or make deps): building with libc malloc)
MALLOC_CFLAGS := -DVESPER_LIBC_MALLOC
endif
else
MALLOC_CFLAGS := -DVESPER_LIBC_MALLOC
endif

# liblzf compresses inner quicklist nodes (list-compress-depth) and RDB strings;
# without it (a warning) nothing is compressed (see src/base/lzfwrap.h).
ifeq ($(shell pkg-config --exists liblzf && echo yes),yes)
LZF_CFLAGS := $(shell pkg-config --cflags liblzf)
LZF_LIBS := $(shell pkg-config --libs liblzf)
else
$(warning liblzf not found (apt-get install liblzf-dev, or make deps): building without LZF compression)
LZF_CFLAGS := -DVESPER_NO_LZF
endif

# Lua 5.1 for scripting (src/script/), with Debian's lua-cjson and lua-bitop as the
# cjson and bit libraries scripts see (src/script/lualibs.h).
LUA_CFLAGS := $(shell pkg-config --cflags lua5.1 2>/dev/null || echo -I/usr/include/lua5.1)
LUA_LIBS := -llua5.1-cjson -llua5.1-bitop $(shell pkg-config --libs lua5.1 2>/dev/null || echo -llua5.1)
# Scripting cannot be left out, so a missing package stops the build with the fix.
LUA_MISSING := $(strip $(if $(wildcard /usr/include/lua5.1/lua.h),,liblua5.1-0-dev) \
  $(if $(wildcard /usr/include/lua5.1/lua-cjson.h),,lua-cjson-dev) $(if $(wildcard /usr/include/lua5.1/lua-bitop.h),,lua-bitop-dev))

CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-missing-field-initializers $(OPT) -g $(MALLOC_CFLAGS) $(LZF_CFLAGS) $(LUA_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(OPT) $(EXTRA_LDFLAGS)
LIBS := $(MALLOC_LIBS) $(LZF_LIBS) $(LUA_LIBS) -lm -lpthread

LIB_SRC := $(wildcard src/base/*.c src/ds/*.c src/net/*.c src/core/*.c src/types/*.c src/persist/*.c src/repl/*.c src/script/*.c src/app/*.c)
LIB_SRC := $(filter-out src/app/main.c,$(LIB_SRC))
LIB_OBJ := $(patsubst src/%.c,$(BUILD)/%.o,$(LIB_SRC))
MAIN_OBJ := $(BUILD)/app/main.o
BASE_OBJ := $(patsubst src/%.c,$(BUILD)/%.o,$(wildcard src/base/*.c src/net/resp.c))

SERVER := $(BUILD)/vesper-server
# The file checkers are the server binary under other names (src/app/main.c).
CHECKERS := $(BUILD)/vesper-check-aof $(BUILD)/vesper-check-rdb
CLI := $(BUILD)/vesper-cli
BENCH := $(BUILD)/vesper-benchmark
CLI_OBJ := $(patsubst tools/%.c,$(BUILD)/tools/%.o,$(wildcard tools/cli/*.c))
BENCH_OBJ := $(patsubst tools/%.c,$(BUILD)/tools/%.o,$(wildcard tools/benchmark/*.c))
TOOL_COMMON_OBJ := $(patsubst tools/%.c,$(BUILD)/tools/%.o,$(wildcard tools/common/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

PY := /usr/bin/python3
PORT ?= 6379

.PHONY: all checkers clean run test test-deps unit integration conformance bench deps check-layers sanitize fuzz fuzz-run

all: check-layers $(SERVER) vesper-server checkers $(if $(CLI_OBJ),$(CLI)) $(if $(BENCH_OBJ),$(BENCH))

.PHONY: lua-check
lua-check:
	@$(if $(LUA_MISSING),echo "Lua 5.1 for scripting is missing: apt-get install -y $(LUA_MISSING) (or make deps)" >&2; exit 1,true)

vesper-server: $(SERVER)
	@ln -sf $(SERVER) vesper-server

$(CHECKERS): $(SERVER)
	@ln -sf vesper-server $@

checkers: $(CHECKERS)
	@ln -sf $(BUILD)/vesper-check-aof vesper-check-aof
	@ln -sf $(BUILD)/vesper-check-rdb vesper-check-rdb

# -rdynamic: the crash report's stack trace (backtrace_symbols_fd) names functions
$(SERVER): $(LIB_OBJ) $(MAIN_OBJ)
	$(CC) $(LDFLAGS) $(CFLAGS) -rdynamic -o $@ $^ $(LIBS)

$(CLI): $(CLI_OBJ) $(TOOL_COMMON_OBJ) $(BASE_OBJ)
	$(CC) $(LDFLAGS) $(CFLAGS) -o $@ $^ $(LIBS)
	@ln -sf $@ vesper-cli

$(BENCH): $(BENCH_OBJ) $(TOOL_COMMON_OBJ) $(BASE_OBJ)
	$(CC) $(LDFLAGS) $(CFLAGS) -o $@ $^ $(LIBS)
	@ln -sf $@ vesper-benchmark

$(BUILD)/tools/%.o: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -MMD -MP -c $< -o $@

$(BUILD)/script/%.o: src/script/%.c | lua-check
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(BENCH_OBJ:.o=.d) $(TOOL_COMMON_OBJ:.o=.d)

# Lower layers never include higher ones: base < ds < net < core < types < persist < repl < script < app;
# tools include only base and the RESP reader.
check-layers:
	@sh tests/check_layers.sh

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -rdynamic -o $@ $< $(LIB_OBJ) $$(pkg-config --cflags --libs cmocka) $(LIBS)

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

integration: all
	VESPER_SERVER=$(CURDIR)/$(SERVER) $(PY) -m pytest -q tests/integration

conformance: all
	VESPER_SERVER=$(CURDIR)/$(SERVER) bash tests/conformance/run.sh

test-deps:
	@bash tools/build/deps.sh ensure

test: test-deps
	$(MAKE) all
	$(MAKE) unit integration conformance

run: all
	./$(SERVER) --port $(PORT)

# the pub/sub fan-out load generator (tests/bench/fanout.c; libc only)
FANOUT := $(BUILD)/fanout
$(FANOUT): tests/bench/fanout.c tests/bench/benchnet.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

# the eviction hit-rate load generator (tests/bench/hitrate.c; libc and libm)
HITRATE := $(BUILD)/hitrate
$(HITRATE): tests/bench/hitrate.c tests/bench/zipf.h tests/bench/benchnet.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lm

# what ideal caches score on the same stream (tests/bench/hitrate_sim.c)
HITRATE_SIM := $(BUILD)/hitrate_sim
$(HITRATE_SIM): tests/bench/hitrate_sim.c tests/bench/zipf.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lm

bench: all $(FANOUT) $(HITRATE) $(HITRATE_SIM)
	VESPER_SERVER=$(CURDIR)/$(SERVER) bash tests/bench/bench.sh
	VESPER_SERVER=$(CURDIR)/$(SERVER) FANOUT=$(CURDIR)/$(FANOUT) bash tests/bench/fanout.sh
	VESPER_SERVER=$(CURDIR)/$(SERVER) HITRATE=$(CURDIR)/$(HITRATE) HITRATE_SIM=$(CURDIR)/$(HITRATE_SIM) bash tests/bench/hitrate.sh
	VESPER_SERVER=$(CURDIR)/$(SERVER) VESPER_BENCHMARK=$(CURDIR)/$(BENCH) bash tests/bench/defrag.sh

sanitize:
	$(MAKE) SANITIZE=1 all

# Fuzzing with clang's libFuzzer: `make fuzz` builds tests/fuzz/fuzz_*.c into
# build-fuzz/, against the server's sources compiled with clang (ASan, UBSan and
# coverage) into build-fuzz/libvesper.a, so each target links only what it uses;
# `make fuzz-run FUZZ_SECONDS=30` runs each target that long from its seed corpus
# (tests/fuzz/corpus/<name>, with tests/fuzz/<name>.dict when there is one, else
# resp.dict) and fails on the first finding, which it leaves in build-fuzz/crash-*.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
# (-Wno-for-loop-analysis: clang's warning about an option parser skipping an
# argument inside its for loop, a pattern gcc accepts and the sources use.)
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -DVESPER_LIBC_MALLOC $(LZF_CFLAGS) $(LUA_CFLAGS) -Wall -Wextra -Werror \
  -Wno-missing-field-initializers -Wno-for-loop-analysis -Isrc -g -O1 \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ := $(patsubst src/%.c,build-fuzz/obj/%.o,$(LIB_SRC))
FUZZ_LIB := build-fuzz/libvesper.a
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz: $(FUZZ_BIN)

build-fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $^

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_LIB) $(LZF_LIBS) $(LUA_LIBS) -lm -lpthread

-include $(FUZZ_OBJ:.o=.d) $(FUZZ_BIN:=.d)

fuzz-run: fuzz
	@for t in $(FUZZ_BIN); do n=$${t#build-fuzz/fuzz_}; mkdir -p build-fuzz/corpus-$$n; \
	  dict=tests/fuzz/$$n.dict; [ -f $$dict ] || dict=tests/fuzz/resp.dict; \
	  echo "== $$t for $(FUZZ_SECONDS)s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -dict=$$dict -artifact_prefix=build-fuzz/ \
	    build-fuzz/corpus-$$n tests/fuzz/corpus/$$n 2>build-fuzz/$$n.log || { tail -40 build-fuzz/$$n.log; exit 1; }; \
	  grep -E '^Done' build-fuzz/$$n.log; done

# Installs the Debian packages (as root or through sudo); see tools/build/deps.sh.
deps:
	bash tools/build/deps.sh install

clean:
	rm -rf build build-san build-fuzz vesper-server vesper-cli vesper-benchmark vesper-check-aof vesper-check-rdb
