/*
 * prompt.c: the line editor for ':' '/' and the input prompts, the
 * multi-line note editor popup, y/n confirmations and pick-one menus
 * (htop LineEditor/IncSet).  Text is edited as wide characters and handed
 * out as UTF-8.  Tab completion cycles through the candidates that the
 * prompt's complete callback returns for the word before the cursor.
 */
#include "config.h"

#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "app.h"
#include "keymap.h"
#include "model.h"
#include "termsafe.h"
#include "xmalloc.h"

#define CTRL(c)	((c) & 0x1F)

static void
reserve(struct prompt *p, size_t n)
{
	if (p->len + n + 1 <= p->cap)
		return;
	p->cap = (p->len + n + 1) * 2;
	p->buf = xreallocarray(p->buf, p->cap, sizeof *p->buf);
}

static void
insert_wc(struct prompt *p, const wchar_t *w, size_t n)
{
	reserve(p, n);
	memmove(p->buf + p->cur + n, p->buf + p->cur,
	    (p->len - p->cur) * sizeof *p->buf);
	memcpy(p->buf + p->cur, w, n * sizeof *w);
	p->len += n;
	p->cur += n;
	p->buf[p->len] = L'\0';
}

static void
delete_range(struct prompt *p, size_t from, size_t to)
{
	if (to <= from || to > p->len)
		return;
	memmove(p->buf + from, p->buf + to, (p->len - to) * sizeof *p->buf);
	p->len -= to - from;
	if (p->cur > to)
		p->cur -= to - from;
	else if (p->cur > from)
		p->cur = from;
	p->buf[p->len] = L'\0';
}

/* UTF-8 -> wide, invalid bytes become U+FFFD. */
static void
insert_utf8(struct prompt *p, const char *s)
{
	mbstate_t st;
	wchar_t wc;
	size_t r, n = strlen(s);

	memset(&st, 0, sizeof st);
	while (n > 0) {
		r = mbrtowc(&wc, s, n, &st);
		if (r == (size_t)-1 || r == (size_t)-2) {
			memset(&st, 0, sizeof st);
			wc = 0xFFFD;
			r = 1;
		} else if (r == 0) {
			break;
		}
		if (wc >= 0x20 || wc == L'\n')
			insert_wc(p, &wc, 1);
		s += r;
		n -= r;
	}
}

/* Wide [from, to) -> new UTF-8 string. */
static char *
to_utf8(const wchar_t *w, size_t n)
{
	char *out = xmalloc(n * MB_LEN_MAX + 1), *o = out;
	mbstate_t st;
	size_t i, r;

	memset(&st, 0, sizeof st);
	for (i = 0; i < n; i++) {
		r = wcrtomb(o, w[i], &st);
		if (r == (size_t)-1) {
			*o++ = '?';
			memset(&st, 0, sizeof st);
		} else {
			o += r;
		}
	}
	*o = '\0';
	return out;
}

struct prompt *
prompt_new(enum prompt_kind kind, const char *label, const char *initial,
    prompt_done_fn done)
{
	struct prompt *p = xcalloc(1, sizeof *p);

	p->kind = kind;
	snprintf(p->label, sizeof p->label, "%s", label);
	p->done = done;
	p->seps = " ";
	reserve(p, 16);
	p->buf[0] = L'\0';
	if (initial != NULL)
		insert_utf8(p, initial);
	return p;
}

static void
stop_cycling(struct prompt *p)
{
	if (p->cands != NULL) {
		strv_free(p->cands);
		free(p->cands);
		p->cands = NULL;
	}
	p->cycling = 0;
}

void
prompt_free(struct prompt *p)
{
	if (p == NULL)
		return;
	stop_cycling(p);
	if (p->items != NULL) {
		strv_free(p->items);
		free(p->items);
	}
	free(p->ctx_text);
	free(p->buf);
	free(p);
}

char *
prompt_text(const struct prompt *p)
{
	if (p->kind == PROMPT_MENU) {
		if (p->items != NULL && p->sel >= 0 && (size_t)p->sel < p->items->n)
			return xstrdup(p->items->v[p->sel]);
		return xstrdup("");
	}
	return to_utf8(p->buf, p->len);
}

static int
is_sep(const struct prompt *p, wchar_t c)
{
	const char *s;

	for (s = p->seps; *s; s++)
		if ((wchar_t)(unsigned char)*s == c)
			return 1;
	return 0;
}

static void
complete(struct app *a, struct prompt *p)
{
	char *line, *word;
	size_t ws;

	if (p->complete == NULL)
		return;
	if (!p->cycling) {
		ws = p->cur;
		while (ws > 0 && !is_sep(p, p->buf[ws - 1]))
			ws--;
		while (ws < p->cur && p->buf[ws] == L' ')
			ws++;
		p->word_start = ws;
		line = to_utf8(p->buf, p->len);
		word = to_utf8(p->buf + ws, p->cur - ws);
		p->cands = xcalloc(1, sizeof *p->cands);
		p->complete(a, line, word, p->ctx_id, p->cands);
		free(line);
		free(word);
		if (p->cands->n == 0) {
			stop_cycling(p);
			return;
		}
		p->cand_i = 0;
		p->cycling = 1;
	} else {
		p->cand_i = (p->cand_i + 1) % p->cands->n;
	}
	delete_range(p, p->word_start, p->cur);
	p->cur = p->word_start;
	insert_utf8(p, p->cands->v[p->cand_i]);
}

static size_t
line_start(const struct prompt *p, size_t i)
{
	while (i > 0 && p->buf[i - 1] != L'\n')
		i--;
	return i;
}

static size_t
line_end(const struct prompt *p, size_t i)
{
	while (i < p->len && p->buf[i] != L'\n')
		i++;
	return i;
}

static void
move_vert(struct prompt *p, int dir)
{
	size_t ls = line_start(p, p->cur), col = p->cur - ls, ns, ne;

	if (dir < 0) {
		if (ls == 0)
			return;
		ns = line_start(p, ls - 1);
		ne = ls - 1;
	} else {
		ne = line_end(p, p->cur);
		if (ne >= p->len)
			return;
		ns = ne + 1;
		ne = line_end(p, ns);
	}
	p->cur = ns + col < ne ? ns + col : ne;
}

static enum prompt_result
menu_key(struct prompt *p, int key)
{
	int n = p->items != NULL ? (int)p->items->n : 0;

	switch (key) {
	case '\n':
		return n > 0 ? PROMPT_ACCEPT : PROMPT_CANCEL;
	case 27:
	case 'q':
		return PROMPT_CANCEL;
	case 'j':
	case KEYMAP_FN(KEY_DOWN):
	case '\t':
		if (p->sel + 1 < n)
			p->sel++;
		break;
	case 'k':
	case KEYMAP_FN(KEY_UP):
	case KEYMAP_FN(KEY_BTAB):
		if (p->sel > 0)
			p->sel--;
		break;
	case 'g':
	case KEYMAP_FN(KEY_HOME):
		p->sel = 0;
		break;
	case 'G':
	case KEYMAP_FN(KEY_END):
		p->sel = n > 0 ? n - 1 : 0;
		break;
	default:
		break;
	}
	return PROMPT_GOING;
}

enum prompt_result
prompt_key(struct app *a, struct prompt *p, int key)
{
	size_t ws, before = p->len;
	wchar_t wc;
	char *t;

	if (p->kind == PROMPT_MENU)
		return menu_key(p, key);
	if (p->kind == PROMPT_CONFIRM)
		return key == 'y' || key == 'Y' ? PROMPT_ACCEPT : PROMPT_CANCEL;
	if (key != '\t')
		stop_cycling(p);
	switch (key) {
	case 27:
		return PROMPT_CANCEL;
	case '\n':
		if (p->kind == PROMPT_LINE)
			return PROMPT_ACCEPT;
		wc = L'\n';
		insert_wc(p, &wc, 1);
		break;
	case CTRL('D'):
		if (p->kind == PROMPT_TEXT)
			return PROMPT_ACCEPT;
		delete_range(p, p->cur, p->cur + 1);
		break;
	case '\t':
		complete(a, p);
		break;
	case CTRL('H'):
	case 0x7F:
	case KEYMAP_FN(KEY_BACKSPACE):
		if (p->len == 0 && p->kind == PROMPT_LINE)
			return PROMPT_CANCEL;
		if (p->cur > 0)
			delete_range(p, p->cur - 1, p->cur);
		break;
	case KEYMAP_FN(KEY_DC):
		delete_range(p, p->cur, p->cur + 1);
		break;
	case KEYMAP_FN(KEY_LEFT):
	case CTRL('B'):
		if (p->cur > 0)
			p->cur--;
		break;
	case KEYMAP_FN(KEY_RIGHT):
	case CTRL('F'):
		if (p->cur < p->len)
			p->cur++;
		break;
	case KEYMAP_FN(KEY_HOME):
	case CTRL('A'):
		p->cur = line_start(p, p->cur);
		break;
	case KEYMAP_FN(KEY_END):
	case CTRL('E'):
		p->cur = line_end(p, p->cur);
		break;
	case KEYMAP_FN(KEY_UP):
		move_vert(p, -1);
		break;
	case KEYMAP_FN(KEY_DOWN):
		move_vert(p, 1);
		break;
	case CTRL('U'):
		delete_range(p, line_start(p, p->cur), p->cur);
		break;
	case CTRL('K'):
		delete_range(p, p->cur, line_end(p, p->cur));
		break;
	case CTRL('W'):
		ws = p->cur;
		while (ws > 0 && p->buf[ws - 1] == L' ')
			ws--;
		while (ws > 0 && p->buf[ws - 1] != L' ' &&
		    p->buf[ws - 1] != L'\n')
			ws--;
		delete_range(p, ws, p->cur);
		break;
	default:
		if (key >= 0x20 && key != 0x7F && key < KEYMAP_FN_BASE &&
		    !(key >= 0x80 && key < 0xA0)) {
			wc = (wchar_t)key;
			insert_wc(p, &wc, 1);
		}
		break;
	}
	if (p->changed != NULL && (p->len != before || key == '\t')) {
		t = prompt_text(p);
		p->changed(a, t);
		free(t);
	}
	return PROMPT_GOING;
}

static int
wc_width(wchar_t c)
{
	int w = wcwidth(c);

	return w < 0 ? 1 : w;
}

static void
draw_line(struct app *a, struct prompt *p, int rows, int cols)
{
	int y = rows - 1, lw, avail, w;
	size_t s;
	char *t;

	draw_fill(a, y, 0, cols, COL_NORMAL);
	lw = draw_text(a, y, 0, cols / 2, p->label, COL_TITLE, 0);
	avail = cols - lw - 1;
	if (avail < 1)
		return;
	if (p->kind == PROMPT_CONFIRM) {
		a->cur_y = y;
		a->cur_x = lw < cols ? lw : cols - 1;
		return;
	}
	/* scroll so the cursor stays visible */
	s = p->cur;
	w = 0;
	while (s > 0 && w + wc_width(p->buf[s - 1]) < avail) {
		w += wc_width(p->buf[s - 1]);
		s--;
	}
	t = to_utf8(p->buf + s, p->len - s);
	draw_text(a, y, lw, avail, t, COL_NORMAL, 0);
	free(t);
	a->cur_y = y;
	a->cur_x = lw + w;
}

static void
draw_text_popup(struct app *a, struct prompt *p, int rows, int cols)
{
	int bh = rows - 2 < 16 ? rows - 2 : 16, bw = cols - 2 < 72 ? cols - 2 : 72;
	int by = (rows - bh) / 2, bx = (cols - bw) / 2, iw = bw - 2, ih = bh - 3;
	int row = 0, col = 0, cur_row = 0, cur_col = 0, cw, r;
	size_t i, *starts = NULL, nstarts = 0, cap = 0;
	char *t;

	if (bh < 4 || bw < 10)
		return;
	/* lay out: one entry per display line, start index into buf */
	for (i = 0; i <= p->len; i++) {
		if (i == 0 || (i > 0 && p->buf[i - 1] == L'\n') ||
		    (i < p->len && p->buf[i] != L'\n' &&
		    col + wc_width(p->buf[i]) > iw)) {
			if (nstarts == cap) {
				cap = cap ? cap * 2 : 32;
				starts = xreallocarray(starts, cap, sizeof *starts);
			}
			starts[nstarts++] = i;
			row = (int)nstarts - 1;
			col = 0;
		}
		if (i == p->cur) {
			cur_row = row;
			cur_col = col;
		}
		if (i < p->len && p->buf[i] != L'\n') {
			cw = wc_width(p->buf[i]);
			col += cw;
		}
	}
	if ((size_t)cur_row < p->scroll)
		p->scroll = (size_t)cur_row;
	if (cur_row >= (int)p->scroll + ih)
		p->scroll = (size_t)(cur_row - ih + 1);
	draw_box(a, by, bx, bh, bw, p->label);
	for (r = 0; r < ih && p->scroll + (size_t)r < nstarts; r++) {
		size_t from = starts[p->scroll + (size_t)r], to;

		to = p->scroll + (size_t)r + 1 < nstarts ?
		    starts[p->scroll + (size_t)r + 1] : p->len;
		if (to > from && p->buf[to - 1] == L'\n')
			to--;
		t = to_utf8(p->buf + from, to - from);
		draw_text(a, by + 1 + r, bx + 1, iw, t, COL_POPUP, 0);
		free(t);
	}
	draw_text(a, by + bh - 2, bx + 1, iw,
	    "^D save   Esc cancel   Enter new line", COL_LABEL, 0);
	a->cur_y = by + 1 + cur_row - (int)p->scroll;
	a->cur_x = bx + 1 + (cur_col < iw ? cur_col : iw - 1);
	free(starts);
}

static void
draw_menu(struct app *a, struct prompt *p, int rows, int cols)
{
	int n = p->items != NULL ? (int)p->items->n : 0;
	int bh = n + 2, bw = cols - 4 < 50 ? cols - 4 : 50, by, bx, ih, top, i;

	if (bh > rows - 2)
		bh = rows - 2;
	if (bh < 3 || bw < 8)
		return;
	by = (rows - bh) / 2;
	bx = (cols - bw) / 2;
	ih = bh - 2;
	top = p->sel >= ih ? p->sel - ih + 1 : 0;
	draw_box(a, by, bx, bh, bw, p->label);
	for (i = 0; i < ih && top + i < n; i++)
		draw_text(a, by + 1 + i, bx + 1, bw - 2, p->items->v[top + i],
		    top + i == p->sel ? COL_SELECTED : COL_POPUP, 1);
	a->cur_y = -1;
}

void
prompt_draw(struct app *a, struct prompt *p, int rows, int cols)
{
	switch (p->kind) {
	case PROMPT_LINE:
	case PROMPT_CONFIRM:
		draw_line(a, p, rows, cols);
		break;
	case PROMPT_TEXT:
		draw_text_popup(a, p, rows, cols);
		break;
	case PROMPT_MENU:
		draw_menu(a, p, rows, cols);
		break;
	}
}
