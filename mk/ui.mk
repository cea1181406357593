# mk/ui.mk: the TUI (ui/, built into libui.a with the ncurses flags) and the
# curses-free pieces it shares with the core: the poll() loop and the
# terminal sanitiser.
libcore_a_SOURCES += src/loop.c src/loop.h src/termsafe.c src/termsafe.h

check_PROGRAMS += tests/unit/test_loop tests/unit/test_termsafe
tests_unit_test_loop_SOURCES = tests/unit/test_loop.c
tests_unit_test_loop_LDADD = $(CORE_LIBS)
tests_unit_test_termsafe_SOURCES = tests/unit/test_termsafe.c
tests_unit_test_termsafe_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_loop tests/unit/test_termsafe

libui_a_SOURCES += ui/ui.h ui/commands.def ui/commands.c ui/commands.h \
	ui/keymap.c ui/keymap.h

check_PROGRAMS += tests/unit/test_keymap
tests_unit_test_keymap_SOURCES = tests/unit/test_keymap.c
tests_unit_test_keymap_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui $(NCURSES_CFLAGS)
tests_unit_test_keymap_LDADD = libui.a $(CORE_LIBS) $(NCURSES_LIBS)
TESTS += tests/unit/test_keymap
libui_a_SOURCES += ui/app.h ui/colors.def ui/ui.c ui/draw.c ui/fmt.c \
	ui/prompt.c ui/statusbar.c ui/contact_list.c ui/contact_detail.c \
	ui/outbox.c ui/help.c ui/actions.c

# TUI tests: tmux drives the real program against ghlterm-sandbox.
TUI_TESTS = tests/tui/01-first-screen.sh tests/tui/02-search-complete.sh \
	tests/tui/03-tag-note-task.sh tests/tui/04-sync.sh \
	tests/tui/05-offline.sh tests/tui/06-readonly.sh \
	tests/tui/07-resize.sh tests/tui/08-escapes.sh tests/tui/09-help.sh \
	tests/tui/10-mirror.sh tests/tui/11-poll.sh tests/tui/12-listen.sh \
	tests/tui/13-sandbox.sh
TESTS += $(TUI_TESTS)
EXTRA_DIST += $(TUI_TESTS) tests/tui/tuilib.sh tests/tui/smlib.sh

# libFuzzer harnesses (configure --enable-fuzzing, clang).  They compile
# the modules they test so that those carry the coverage instrumentation.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_termsafe tests/fuzz/fuzz_keymap
tests_fuzz_fuzz_termsafe_SOURCES = tests/fuzz/fuzz_termsafe.c \
	src/termsafe.c src/buf.c src/xmalloc.c src/err.c
tests_fuzz_fuzz_termsafe_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_termsafe_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_keymap_SOURCES = tests/fuzz/fuzz_keymap.c ui/keymap.c \
	ui/commands.c src/xmalloc.c src/err.c src/model.c
tests_fuzz_fuzz_keymap_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui $(NCURSES_CFLAGS)
tests_fuzz_fuzz_keymap_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_keymap_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_keymap_LDADD = $(NCURSES_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz_termsafe.c tests/fuzz/fuzz_keymap.c

check_PROGRAMS += tests/tui/test_fmt
tests_tui_test_fmt_SOURCES = tests/tui/test_fmt.c
tests_tui_test_fmt_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui $(NCURSES_CFLAGS)
tests_tui_test_fmt_LDADD = libui.a $(CORE_LIBS) $(NCURSES_LIBS)
TESTS += tests/tui/test_fmt
