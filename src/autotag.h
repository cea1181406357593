/*
 * autotag.h: auto-tag rules.  Each [autotag] rule of the configuration
 * (cfg->autotags: a pattern, the tags it adds, whether it also reads task
 * titles) is matched against a contact's notes (and task titles) that are
 * new or changed since the last run; missing tags are queued as ordinary
 * tags.add outbox writes, so they work offline, are retried and are sent
 * exactly once.  A tag a rule added (or found present) is remembered per
 * (contact, rule, tag) and never added again by that rule, so a tag the
 * user removes stays removed.
 *
 * Patterns are POSIX extended regular expressions matched
 * case-insensitively anywhere in the text ("refund", "vip|gold"); a
 * pattern that is not a valid ERE is matched as a case-insensitive
 * substring.
 */
#ifndef GHL_AUTOTAG_H
#define GHL_AUTOTAG_H

#include "err.h"

struct cache;
struct conf;
struct strv;

/*
 * Apply cfg's rules to contact_id in cache c (the caller's handle and
 * thread).  Notes are matched on body and title, tasks (for rules with
 * match_tasks) on their title.  Tags to add (in rule order, each once)
 * are appended to planned (may be NULL).  Unless dry_run, in one
 * transaction: the tags are queued with cache_tags_add, and the items'
 * hashes and the rules that fired are recorded; with dry_run nothing is
 * written.  A contact not in the cache (or deleted), or no rules: 0 and
 * nothing planned.  Returns 0 or an errcode (ERR_DB) with e filled.
 */
int	 autotag_apply(struct cache *c, const struct conf *cfg,
	    const char *contact_id, int dry_run, struct strv *planned,
	    struct err *e);

/*
 * ghlterm autotag [--dry-run] [CONTACT_ID]: apply the rules to one contact
 * or to every cached contact, print one line per tag added (or, with
 * --dry-run, that would be), then replay the outbox unless cfg->offline.
 * argv[0] is "autotag".  Prints results on stdout and one "ghlterm: ..."
 * line per failure on stderr.  Returns the exit status: 0, 1 failure,
 * 2 usage error.  Main thread.
 */
int	 autotag_cli(const struct conf *cfg, int argc, char **argv);

#endif
