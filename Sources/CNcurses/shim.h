// ncursesw with wide-character support, plus the attribute and key values that are C macros
// Swift cannot import (they are built from NCURSES_BITS expressions).
#ifndef REWIND_CNCURSES_SHIM_H
#define REWIND_CNCURSES_SHIM_H
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline attr_t rewind_attr_bold(void) { return A_BOLD; }
static inline attr_t rewind_attr_reverse(void) { return A_REVERSE; }
static inline attr_t rewind_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t rewind_attr_dim(void) { return A_DIM; }
static inline attr_t rewind_color_pair(int pair) { return COLOR_PAIR(pair); }
static inline WINDOW *rewind_stdscr(void) { return stdscr; }
static inline int rewind_lines(void) { return LINES; }
static inline int rewind_cols(void) { return COLS; }

/// Draws one cell: a character (with up to 4 combining scalars) and attributes.
static inline int rewind_put_cell(int y, int x, const wchar_t *text, attr_t attributes, short pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attributes, pair, NULL) != OK) return ERR;
    return mvadd_wch(y, x, &cell);
}
#endif
