# mp: make, make check, make install PREFIX=... DESTDIR=..., make demo
PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
MANDIR	 = $(PREFIX)/share/man
DATADIR	 = $(PREFIX)/share/mp

CC	?= cc
CFLAGS	?= -O2 -g
LDFLAGS	?=
MPFLAGS	 = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Icommon -I/usr/include/postgresql \
	   -DMP_DATADIR=\"$(DATADIR)\" $(CFLAGS)

# Each external library is linked only into the programs that use it:
# LIBS_mp-NAME = ...
LIBS_mp-botfilter = -lpcre2-8
LIBS_mp-dedup = -lsodium
LIBS_mp-load = -lpq
LIBS_mp-enrich = -lpq -ljq
LIBS_mp-fetch = -lcurl -ljq -lzstd -lsodium -lz -larchive
LIBS_mp-archive = -lzstd -lcurl -lsodium
LIBS_mp-reconcile = -lpq
TESTLIBS = -lpcre2-8 -lsodium -lpq -ljq -lcurl -lzstd -lz -larchive

CMDS	 = $(patsubst %.c,%,$(wildcard cmd/mp-*.c))
LIBSRC	 = $(wildcard common/*.c)
LIBOBJ	 = $(LIBSRC:.c=.o)
TESTC	 = $(patsubst %.c,%,$(wildcard t/*.c))
MAN1	 = $(wildcard man/*.1)
MAN5	 = $(wildcard man/*.5)
MAN7	 = $(wildcard man/*.7)

all: $(CMDS) $(TESTC)

common/libmp.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

common/%.o: common/%.c $(wildcard common/*.h)
	$(CC) $(MPFLAGS) -c -o $@ $<

cmd/mp-%: cmd/mp-%.c common/libmp.a $(wildcard common/*.h)
	$(CC) $(MPFLAGS) $(LDFLAGS) -o $@ $< common/libmp.a $(LIBS_$(notdir $@))

t/%: t/%.c t/tap.h common/libmp.a $(wildcard common/*.h)
	$(CC) $(MPFLAGS) $(LDFLAGS) -o $@ $< common/libmp.a $(TESTLIBS)

# Installs the Debian packages the build and tests need, when one is missing.
.deps-ok: scripts/install-deps
	scripts/install-deps
	touch $@

check: .deps-ok all
	prove -j2 t/

check-asan: .deps-ok
	$(MAKE) clean
	$(MAKE) CC=clang CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" all
	rm -f t/asan-log.*
	ASAN_OPTIONS=detect_leaks=1:log_path=$(CURDIR)/t/asan-log \
	    LSAN_OPTIONS=exitcode=0 prove t/
	$(MAKE) clean
	@if ls t/asan-log.* >/dev/null 2>&1; then \
		cat t/asan-log.*; echo "check-asan: leaks or errors above"; \
		exit 1; fi

# The demo needs less: no S3 server, no sanitizer, no man page linter.
.deps-demo-ok: scripts/install-deps
	scripts/install-deps --demo
	touch $@

demo: .deps-demo-ok all
	scripts/demo

bench: all
	scripts/bench

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(DATADIR)/examples $(DESTDIR)$(DATADIR)/bots
	install -m 755 $(CMDS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	cp -R examples/. $(DESTDIR)$(DATADIR)/examples
	install -m 644 share/mp/bots/*.list $(DESTDIR)$(DATADIR)/bots

clean:
	rm -f $(CMDS) $(TESTC) common/*.o common/libmp.a

.PHONY: all check check-asan demo bench install clean fuzz fuzz-build fuzz-clean

# libFuzzer targets (clang), one per parser of outside input: t/fuzz/NAME.c
# is built into t/fuzz/NAME-fuzz over the library built with the same
# sanitizers.  `make fuzz` runs each for FUZZTIME seconds from its seeds in
# t/fuzz/corpus-NAME (committed), keeping what it finds in t/fuzz/work-NAME
# (not committed); `make fuzz-build` only builds them.
FUZZTIME ?= 600
FUZZ	 = json jsondiff match csv unpack http opt state schema lists s3xml text jq records zst
FUZZBIN	 = $(FUZZ:%=t/fuzz/%-fuzz)
FUZZOBJ	 = $(LIBSRC:common/%.c=t/fuzz/obj/%.o)
FUZZSAN	 = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZCC	 = clang -O1 -g $(FUZZSAN) -std=c11 -D_GNU_SOURCE -Icommon \
	   -I/usr/include/postgresql -DMP_DATADIR=\"$(DATADIR)\"

t/fuzz/obj/%.o: common/%.c $(wildcard common/*.h)
	@mkdir -p t/fuzz/obj
	$(FUZZCC) -fsanitize=fuzzer-no-link -c -o $@ $<

t/fuzz/libmp-fuzz.a: $(FUZZOBJ)
	rm -f $@
	ar rcs $@ $(FUZZOBJ)

t/fuzz/%-fuzz: t/fuzz/%.c t/fuzz/libmp-fuzz.a $(wildcard common/*.h)
	$(FUZZCC) -fsanitize=fuzzer -o $@ $< t/fuzz/libmp-fuzz.a $(TESTLIBS)

fuzz-build: $(FUZZBIN)

# Each target runs in slices of at most a minute (a new process each, the
# corpus kept): what a library keeps until exit (opt.c's option files) is
# freed between them.
fuzz: fuzz-build
	for f in $(FUZZ); do \
		mkdir -p t/fuzz/work-$$f; left=$(FUZZTIME); \
		while [ $$left -gt 0 ]; do \
			s=$$left; [ $$s -gt 60 ] && s=60; left=$$((left - s)); \
			t/fuzz/$$f-fuzz -max_total_time=$$s -max_len=8192 \
			    -close_fd_mask=2 t/fuzz/work-$$f t/fuzz/corpus-$$f \
			    || exit 1; \
		done; \
	done

fuzz-clean:
	rm -rf $(FUZZBIN) t/fuzz/obj t/fuzz/libmp-fuzz.a t/fuzz/work-*
