/*
 * model.c: constructors and destructors of the entities (no I/O).
 */
#include "config.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "xmalloc.h"

void
strv_push(struct strv *sv, const char *s)
{
	sv->v = xreallocarray(sv->v, sv->n + 1, sizeof *sv->v);
	sv->v[sv->n++] = xstrdup(s);
}

void
strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

void
strv_copy(struct strv *dst, const struct strv *src)
{
	dst->v = NULL;
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		strv_push(dst, src->v[i]);
}

int
strv_contains_ci(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcasecmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

void
contact_free(struct contact *c)
{
	if (c == NULL)
		return;
	free(c->id); free(c->location_id); free(c->first_name);
	free(c->last_name); free(c->name); free(c->email); free(c->phone);
	free(c->company_name); free(c->date_added); free(c->date_updated);
	strv_free(&c->tags);
	free(c->raw);
	free(c->rawz);
}

void
task_free(struct task *t)
{
	if (t == NULL)
		return;
	free(t->id); free(t->contact_id); free(t->title); free(t->body);
	free(t->assigned_to); free(t->due_date); free(t->raw);
}

void
note_free(struct note *n)
{
	if (n == NULL)
		return;
	free(n->id); free(n->contact_id); free(n->body); free(n->user_id);
	free(n->title); free(n->color); free(n->date_added); free(n->raw);
}

void
appt_free(struct appt *a)
{
	if (a == NULL)
		return;
	free(a->id); free(a->contact_id); free(a->calendar_id); free(a->title);
	free(a->status); free(a->appointment_status); free(a->start_time);
	free(a->end_time); free(a->address); free(a->notes); free(a->raw);
}

void
contacts_free(struct contact *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		contact_free(&v[i]);
	free(v);
}

void
tasks_free(struct task *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		task_free(&v[i]);
	free(v);
}

void
notes_free(struct note *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		note_free(&v[i]);
	free(v);
}

void
appts_free(struct appt *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		appt_free(&v[i]);
	free(v);
}

const char *
contact_display_name(const struct contact *c, char *buf, size_t len)
{
	if (c->name != NULL && c->name[0] != '\0')
		return c->name;
	if ((c->first_name && c->first_name[0]) || (c->last_name && c->last_name[0])) {
		snprintf(buf, len, "%s%s%s", c->first_name ? c->first_name : "",
		    (c->first_name && c->first_name[0] && c->last_name &&
		    c->last_name[0]) ? " " : "", c->last_name ? c->last_name : "");
		return buf;
	}
	if (c->email != NULL && c->email[0] != '\0')
		return c->email;
	if (c->phone != NULL && c->phone[0] != '\0')
		return c->phone;
	return c->id != NULL ? c->id : "";
}
