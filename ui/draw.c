/*
 * draw.c: drawing helpers on stdscr.  Every string that came from the API
 * or the cache reaches the terminal through draw_text(), which passes it
 * through termsafe_fit(), so nothing untrusted is ever written raw.  Also
 * the colour roles (colors.def) and the monochrome theme.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "conf.h"
#include "termsafe.h"

static const struct {
	short	fg, bg;
	int	cattr, mattr;
} roles[COL__COUNT] = {
#define COLOR(role, f, b, ca, ma) [COL_##role] = { f, b, ca, ma },
#include "colors.def"
#undef COLOR
};

void
app_copy(char *dst, size_t size, const char *src)
{
	size_t n;

	if (size == 0)
		return;
	n = src != NULL ? strlen(src) : 0;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

void
draw_colors_init(struct app *a)
{
	const char *nc = getenv("NO_COLOR");
	int i;

	a->color = a->cfg->color && (nc == NULL || *nc == '\0') &&
	    has_colors();
	if (!a->color)
		return;
	start_color();
	use_default_colors();
	for (i = 0; i < COL__COUNT; i++)
		init_pair((short)(i + 1), roles[i].fg, roles[i].bg);
}

int
draw_attr(const struct app *a, enum color_role r)
{
	if (!a->color)
		return roles[r].mattr;
	return (int)COLOR_PAIR(r + 1) | roles[r].cattr;
}

int
draw_text_attr(int y, int x, int w, const char *untrusted, int attr, int pad)
{
	char *s;
	int used;

	if (w <= 0)
		return 0;
	s = termsafe_fit(untrusted, w, pad ? TERMSAFE_PAD : 0, &used);
	attron(attr);
	mvaddstr(y, x, s);
	attroff(attr);
	free(s);
	return used;
}

int
draw_text(const struct app *a, int y, int x, int w, const char *untrusted,
    enum color_role r, int pad)
{
	return draw_text_attr(y, x, w, untrusted, draw_attr(a, r), pad);
}

void
draw_fill(const struct app *a, int y, int x, int w, enum color_role r)
{
	int attr = draw_attr(a, r);

	if (w <= 0)
		return;
	attron(attr);
	mvhline(y, x, ' ', w);
	attroff(attr);
}

void
draw_box(const struct app *a, int y, int x, int h, int w, const char *title)
{
	int attr = draw_attr(a, COL_BORDER), i;

	if (h < 2 || w < 2)
		return;
	for (i = 1; i < h - 1; i++)
		draw_fill(a, y + i, x + 1, w - 2, COL_POPUP);
	attron(attr);
	mvhline(y, x + 1, ACS_HLINE, w - 2);
	mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
	mvvline(y + 1, x, ACS_VLINE, h - 2);
	mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	attroff(attr);
	if (title != NULL && w > 6) {
		mvaddch(y, x + 1, ' ');
		x += 2 + draw_text(a, y, x + 2, w - 5, title, COL_TITLE, 0);
		mvaddch(y, x, ' ');
	}
}
