/*
 * sb_store.c: generated contacts plus an overlay of records for the ones
 * that were created, changed or deleted; sorted views (cached per query
 * and data version) serve search and list paging.
 */
#include "config.h"
#include "sb_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_gen.h"
#include "sb_util.h"
#include "xmalloc.h"

#define NVIEWS 4
#define CHILD_BASE (1ULL << 40)

struct rec {
	cJSON	*c;		/* full contact; NULL while still generated */
	cJSON	*kids[3];	/* NULL while still generated */
	int64_t	 added, updated;
	int	 deleted;
};

struct sb_store {
	pthread_rwlock_t lock;
	uint64_t	 seed, n;
	char		*loc;
	struct rec	**recs;		/* nslots entries, NULL = generated */
	uint64_t	 nslots, capslots;
	uint64_t	*touched;	/* slots that have a rec */
	size_t		 ntouched, captouched;
	uint64_t	 ndeleted;
	uint64_t	 next_child;
	uint64_t	 version;
	pthread_mutex_t	 vmu;
	struct sb_view	*cache[NVIEWS];
	unsigned	 cache_next;
};

struct sb_store *
sb_store_new(uint64_t seed, uint64_t n, const char *loc)
{
	struct sb_store *st;

	st = xcalloc(1, sizeof(*st));
	pthread_rwlock_init(&st->lock, NULL);
	pthread_mutex_init(&st->vmu, NULL);
	st->seed = seed;
	st->n = n;
	st->loc = xstrdup(loc);
	st->nslots = n;
	st->capslots = n + 64;
	st->recs = xcalloc(st->capslots, sizeof(*st->recs));
	st->next_child = CHILD_BASE;
	return st;
}

static void
view_free(struct sb_view *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->e[i].str);
	free(v->e);
	free(v->key);
	free(v);
}

static void
rec_free(struct rec *r)
{
	int k;

	if (r == NULL)
		return;
	cJSON_Delete(r->c);
	for (k = 0; k < 3; k++)
		cJSON_Delete(r->kids[k]);
	free(r);
}

void
sb_store_free(struct sb_store *st)
{
	uint64_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->ntouched; i++)
		rec_free(st->recs[st->touched[i]]);
	for (i = 0; i < NVIEWS; i++)
		if (st->cache[i] != NULL)
			view_free(st->cache[i]);
	free(st->recs);
	free(st->touched);
	free(st->loc);
	pthread_mutex_destroy(&st->vmu);
	pthread_rwlock_destroy(&st->lock);
	free(st);
}

void
sb_store_rdlock(struct sb_store *st)
{
	pthread_rwlock_rdlock(&st->lock);
}

void
sb_store_wrlock(struct sb_store *st)
{
	pthread_rwlock_wrlock(&st->lock);
}

void
sb_store_unlock(struct sb_store *st)
{
	pthread_rwlock_unlock(&st->lock);
}

const char *
sb_store_location(const struct sb_store *st)
{
	return st->loc;
}

uint64_t
sb_store_count(const struct sb_store *st)
{
	return st->nslots - st->ndeleted;
}

static struct rec *
rec_get(struct sb_store *st, uint64_t slot)
{
	struct rec *r = st->recs[slot];

	if (r != NULL)
		return r;
	r = xcalloc(1, sizeof(*r));
	if (slot < st->n) {
		struct sb_gen_basic b;

		sb_gen_basic(st->seed, slot, st->n, &b);
		r->added = b.added;
		r->updated = b.updated;
	}
	st->recs[slot] = r;
	if (st->ntouched == st->captouched) {
		st->captouched = st->captouched ? st->captouched * 2 : 64;
		st->touched = xreallocarray(st->touched, st->captouched,
		    sizeof(*st->touched));
	}
	st->touched[st->ntouched++] = slot;
	return r;
}

int
sb_store_find(struct sb_store *st, const char *id, uint64_t *slot)
{
	uint64_t n;

	if (sb_util_id_decode(st->seed, SB_NS_CONTACT, id, &n) != 0)
		return -1;
	if (n >= st->nslots)
		return -1;
	if (st->recs[n] != NULL && st->recs[n]->deleted)
		return -1;
	*slot = n;
	return 0;
}

cJSON *
sb_store_contact(struct sb_store *st, uint64_t slot, int flags)
{
	struct rec *r = st->recs[slot];
	cJSON *c;

	if (r != NULL && r->c != NULL) {
		c = cJSON_Duplicate(r->c, 1);
		if (flags & SB_GEN_NO_ATTRIB) {
			cJSON_DeleteItemFromObjectCaseSensitive(c,
			    "attributionSource");
			cJSON_DeleteItemFromObjectCaseSensitive(c,
			    "lastAttributionSource");
		}
		return c;
	}
	return sb_gen_contact(st->seed, slot, st->n, st->loc, flags);
}

cJSON *
sb_store_contact_mut(struct sb_store *st, uint64_t slot)
{
	struct rec *r = rec_get(st, slot);

	if (r->c == NULL)
		r->c = sb_gen_contact(st->seed, slot, st->n, st->loc, 0);
	return r->c;
}

static void
set_time(cJSON *c, const char *key, int64_t ms)
{
	char t[32];

	sb_util_iso(ms, t, sizeof(t));
	if (cJSON_GetObjectItemCaseSensitive(c, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(c, key,
		    cJSON_CreateString(t));
	else
		cJSON_AddStringToObject(c, key, t);
}

void
sb_store_touch(struct sb_store *st, uint64_t slot, int64_t now)
{
	struct rec *r = rec_get(st, slot);

	if (now <= r->updated)
		now = r->updated + 1;
	r->updated = now;
	if (r->c != NULL) {
		set_time(r->c, "dateUpdated", now);
		set_time(r->c, "lastActivity", now);
	}
	st->version++;
}

static cJSON *
gen_kids(struct sb_store *st, uint64_t slot, enum sb_kind k)
{
	if (slot >= st->n)
		return cJSON_CreateArray();
	switch (k) {
	case SB_TASKS:
		return sb_gen_tasks(st->seed, slot, st->n);
	case SB_NOTES:
		return sb_gen_notes(st->seed, slot, st->n);
	default:
		return sb_gen_appts(st->seed, slot, st->n, st->loc);
	}
}

cJSON *
sb_store_children(struct sb_store *st, uint64_t slot, enum sb_kind k)
{
	struct rec *r = st->recs[slot];

	if (r != NULL && r->kids[k] != NULL)
		return cJSON_Duplicate(r->kids[k], 1);
	return gen_kids(st, slot, k);
}

cJSON *
sb_store_children_mut(struct sb_store *st, uint64_t slot, enum sb_kind k)
{
	struct rec *r = rec_get(st, slot);

	if (r->kids[k] == NULL)
		r->kids[k] = gen_kids(st, slot, k);
	return r->kids[k];
}

uint64_t
sb_store_create(struct sb_store *st, cJSON *c)
{
	struct rec *r;
	uint64_t slot;
	char id[SB_ID_LEN + 1];
	const cJSON *j;
	int k;

	if (st->nslots == st->capslots) {
		st->capslots *= 2;
		st->recs = xreallocarray(st->recs, st->capslots,
		    sizeof(*st->recs));
		memset(st->recs + st->nslots, 0,
		    (st->capslots - st->nslots) * sizeof(*st->recs));
	}
	slot = st->nslots++;
	r = rec_get(st, slot);
	sb_util_id(st->seed, SB_NS_CONTACT, slot, id);
	if (cJSON_GetObjectItemCaseSensitive(c, "id") != NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(c, "id");
	cJSON_AddItemToObject(c, "id", cJSON_CreateString(id));
	r->c = c;
	j = cJSON_GetObjectItemCaseSensitive(c, "dateAdded");
	if (!cJSON_IsString(j) || sb_util_parse_time(j->valuestring,
	    &r->added) != 0)
		r->added = sb_util_now_ms();
	j = cJSON_GetObjectItemCaseSensitive(c, "dateUpdated");
	if (!cJSON_IsString(j) || sb_util_parse_time(j->valuestring,
	    &r->updated) != 0)
		r->updated = r->added;
	for (k = 0; k < 3; k++)
		r->kids[k] = cJSON_CreateArray();
	st->version++;
	return slot;
}

void
sb_store_delete(struct sb_store *st, uint64_t slot)
{
	struct rec *r = rec_get(st, slot);
	int k;

	cJSON_Delete(r->c);
	r->c = NULL;
	for (k = 0; k < 3; k++) {
		cJSON_Delete(r->kids[k]);
		r->kids[k] = NULL;
	}
	r->deleted = 1;
	st->ndeleted++;
	st->version++;
}

void
sb_store_new_child_id(struct sb_store *st, char *out)
{
	sb_util_id(st->seed, SB_NS_TASK, st->next_child++, out);
}

static const char *
jstr(const cJSON *c, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(c, key);

	return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* Whether slot's contact is no longer what the generator says. */
static int
overlaid(const struct sb_store *st, uint64_t slot)
{
	const struct rec *r = st->recs[slot];

	return r != NULL && (r->c != NULL || r->deleted);
}

static int
email_eq(const char *a, const char *b)
{
	char *la, *lb;
	int r;

	la = sb_util_lower(a);
	lb = sb_util_lower(b);
	r = strcmp(la, lb) == 0;
	free(la);
	free(lb);
	return r;
}

int
sb_store_find_email(struct sb_store *st, const char *email, uint64_t exclude,
    uint64_t *slot)
{
	struct sb_gen_basic b;
	const char *at, *p, *e;
	uint64_t i, cand = 0;
	size_t t;

	if (email == NULL || *email == '\0')
		return -1;
	for (t = 0; t < st->ntouched; t++) {
		struct rec *r = st->recs[st->touched[t]];

		if (r->deleted || r->c == NULL || st->touched[t] == exclude)
			continue;
		e = jstr(r->c, "email");
		if (e != NULL && email_eq(e, email)) {
			*slot = st->touched[t];
			return 0;
		}
	}
	/* Generated addresses end in their index: "first.last<i>@...". */
	at = strchr(email, '@');
	if (at == NULL)
		return -1;
	for (p = at; p > email && p[-1] >= '0' && p[-1] <= '9'; p--)
		;
	if (p == at || at - p > 12)
		return -1;
	for (; p < at; p++)
		cand = cand * 10 + (uint64_t)(*p - '0');
	i = cand;
	if (i >= st->n || i == exclude || overlaid(st, i))
		return -1;
	sb_gen_basic(st->seed, i, st->n, &b);
	if (b.email[0] == '\0' || !email_eq(b.email, email))
		return -1;
	*slot = i;
	return 0;
}

static void
digits_of(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; s != NULL && *s != '\0' && o + 1 < len; s++)
		if (*s >= '0' && *s <= '9')
			out[o++] = *s;
	out[o] = '\0';
}

int
sb_store_find_phone(struct sb_store *st, const char *phone, uint64_t exclude,
    uint64_t *slot)
{
	char want[64], have[64], buf[64];
	const char *p;
	uint64_t i;
	size_t t;

	digits_of(phone, want, sizeof(want));
	if (want[0] == '\0')
		return -1;
	for (t = 0; t < st->ntouched; t++) {
		struct rec *r = st->recs[st->touched[t]];

		if (r->deleted || r->c == NULL || st->touched[t] == exclude)
			continue;
		p = jstr(r->c, "phone");
		digits_of(p, have, sizeof(have));
		if (strcmp(have, want) == 0) {
			*slot = st->touched[t];
			return 0;
		}
	}
	for (i = 0; i < st->n; i++) {
		if (overlaid(st, i) || i == exclude)
			continue;
		if (sb_gen_phone(st->seed, i, buf, sizeof(buf)) != 0)
			continue;
		digits_of(buf, have, sizeof(have));
		if (strcmp(have, want) == 0) {
			*slot = i;
			return 0;
		}
	}
	return -1;
}

/* Sort key of a contact object (overlay records and matcher path). */
static void
key_of_json(const cJSON *c, const struct rec *r, struct sb_gen_basic *gb,
    enum sb_sort sort, struct sb_entry *e)
{
	const char *s = NULL;

	switch (sort) {
	case SB_SORT_ADDED:
		e->num = r != NULL ? r->added : gb->added;
		return;
	case SB_SORT_UPDATED:
		e->num = r != NULL ? r->updated : gb->updated;
		return;
	case SB_SORT_FIRST:
		s = jstr(c, "firstNameLowerCase");
		break;
	case SB_SORT_LAST:
		s = jstr(c, "lastNameLowerCase");
		break;
	case SB_SORT_EMAIL:
		s = jstr(c, "email");
		break;
	}
	e->str = sb_util_lower(s != NULL ? s : "");
}

static void
key_of_basic(const struct sb_gen_basic *b, enum sb_sort sort,
    struct sb_entry *e)
{
	switch (sort) {
	case SB_SORT_ADDED:
		e->num = b->added;
		break;
	case SB_SORT_UPDATED:
		e->num = b->updated;
		break;
	case SB_SORT_FIRST:
		e->str = xstrdup(b->first_lower);
		break;
	case SB_SORT_LAST:
		e->str = xstrdup(b->last_lower);
		break;
	case SB_SORT_EMAIL:
		e->str = xstrdup(b->email);
		break;
	}
}

static int
entry_cmp(const struct sb_entry *a, const struct sb_entry *b, int strsort)
{
	int c;

	if (strsort) {
		c = strcmp(a->str, b->str);
		if (c != 0)
			return c;
	} else if (a->num != b->num) {
		return a->num < b->num ? -1 : 1;
	}
	return strcmp(a->id, b->id);
}

static int
entry_qcmp(const void *a, const void *b, void *arg)
{
	return entry_cmp(a, b, *(int *)arg);
}

static int
is_str_sort(enum sb_sort s)
{
	return s != SB_SORT_ADDED && s != SB_SORT_UPDATED;
}

static struct sb_view *
view_build(struct sb_store *st, enum sb_sort sort, int desc,
    sb_store_match_fn match, void *arg, int gen_flags)
{
	struct sb_view *v;
	struct sb_gen_basic b;
	struct sb_entry *e;
	struct rec *r;
	cJSON *c;
	uint64_t slot;
	size_t cap, i;
	int strsort = is_str_sort(sort);

	v = xcalloc(1, sizeof(*v));
	v->sort = sort;
	v->desc = desc;
	cap = (size_t)sb_store_count(st) + 1;
	if (match != NULL && cap > 1024)
		cap = 1024;
	v->e = xreallocarray(NULL, cap, sizeof(*v->e));
	for (slot = 0; slot < st->nslots; slot++) {
		r = st->recs[slot];
		if (r != NULL && r->deleted)
			continue;
		if (v->n == cap) {
			cap *= 2;
			v->e = xreallocarray(v->e, cap, sizeof(*v->e));
		}
		e = &v->e[v->n];
		memset(e, 0, sizeof(*e));
		e->slot = slot;
		if (r == NULL && match == NULL) {
			if (sort == SB_SORT_ADDED)
				e->num = sb_gen_added(st->seed, slot, st->n);
			else {
				sb_gen_basic(st->seed, slot, st->n, &b);
				key_of_basic(&b, sort, e);
			}
		} else {
			if (r != NULL && r->c != NULL)
				c = r->c;
			else
				c = sb_gen_contact(st->seed, slot, st->n,
				    st->loc, gen_flags);
			if (match != NULL && !match(c, arg)) {
				if (c != (r ? r->c : NULL))
					cJSON_Delete(c);
				continue;
			}
			if (r == NULL)
				sb_gen_basic(st->seed, slot, st->n, &b);
			key_of_json(c, r, &b, sort, e);
			if (c != (r ? r->c : NULL))
				cJSON_Delete(c);
		}
		sb_util_id(st->seed, SB_NS_CONTACT, slot, e->id);
		v->n++;
	}
	qsort_r(v->e, v->n, sizeof(*v->e), entry_qcmp, &strsort);
	if (desc) {
		for (i = 0; i < v->n / 2; i++) {
			struct sb_entry t = v->e[i];

			v->e[i] = v->e[v->n - 1 - i];
			v->e[v->n - 1 - i] = t;
		}
	}
	return v;
}

struct sb_view *
sb_store_view(struct sb_store *st, enum sb_sort sort, int desc,
    sb_store_match_fn match, void *arg, const char *key, int gen_flags)
{
	struct sb_view *v;
	char *full = NULL;
	unsigned i;

	if (key != NULL) {
		full = xasprintf("%d:%d:%s", (int)sort, desc, key);
		pthread_mutex_lock(&st->vmu);
		for (i = 0; i < NVIEWS; i++) {
			v = st->cache[i];
			if (v != NULL && v->version == st->version &&
			    strcmp(v->key, full) == 0) {
				v->refs++;
				pthread_mutex_unlock(&st->vmu);
				free(full);
				return v;
			}
		}
		pthread_mutex_unlock(&st->vmu);
	}
	v = view_build(st, sort, desc, match, arg, gen_flags);
	v->version = st->version;
	v->refs = 1;
	v->key = full;
	if (key == NULL)
		return v;
	pthread_mutex_lock(&st->vmu);
	i = st->cache_next++ % NVIEWS;
	if (st->cache[i] != NULL && --st->cache[i]->refs == 0)
		view_free(st->cache[i]);
	st->cache[i] = v;
	v->refs++;
	pthread_mutex_unlock(&st->vmu);
	return v;
}

void
sb_store_view_put(struct sb_store *st, struct sb_view *v)
{
	int last;

	pthread_mutex_lock(&st->vmu);
	last = --v->refs == 0;
	pthread_mutex_unlock(&st->vmu);
	if (last)
		view_free(v);
}

size_t
sb_store_view_after(const struct sb_view *v, int64_t num, const char *str,
    const char *id)
{
	struct sb_entry cur;
	size_t lo = 0, hi = v->n, mid;
	int strsort = is_str_sort(v->sort), c;

	memset(&cur, 0, sizeof(cur));
	cur.num = num;
	cur.str = (char *)(uintptr_t)(str != NULL ? str : "");
	snprintf(cur.id, sizeof(cur.id), "%s", id != NULL ? id : "");
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = entry_cmp(&v->e[mid], &cur, strsort);
		if (v->desc)
			c = -c;
		if (c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
