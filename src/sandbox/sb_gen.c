/*
 * sb_gen.c: demo contacts, tasks, notes and appointments generated from
 * (seed, index).  Names come from several scripts (Latin with accents, CJK,
 * Cyrillic, Arabic, Greek), with romanised forms for e-mail addresses.
 */
#include "config.h"
#include "sb_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_util.h"
#include "xmalloc.h"

struct name {
	const char *disp, *roman;
};

struct culture {
	const char *country, *tz, *phone, *tld;
	int phone_digits;
	const struct name *first, *last;
	size_t nfirst, nlast;
	const char *const *cities, *const *states, *const *streets;
	size_t ncities;
};

static const struct name us_first[] = {
	{"Maya", "maya"}, {"James", "james"}, {"Olivia", "olivia"},
	{"Noah", "noah"}, {"Ava", "ava"}, {"Ethan", "ethan"},
	{"Chloé", "chloe"}, {"Zoë", "zoe"}, {"Liam", "liam"},
	{"Harper", "harper"}, {"Dmitri", "dmitri"}, {"Aaliyah", "aaliyah"},
};
static const struct name us_last[] = {
	{"Okafor", "okafor"}, {"Smith", "smith"}, {"Johnson", "johnson"},
	{"García", "garcia"}, {"O'Brien", "obrien"}, {"Nguyen", "nguyen"},
	{"Varga", "varga"}, {"Williams", "williams"}, {"Brown", "brown"},
	{"Martínez", "martinez"}, {"Kowalski", "kowalski"}, {"Lee", "lee"},
};
static const char *const us_cities[] = {"Chicago", "Austin", "Denver",
    "Seattle", "Boston", "Miami"};
static const char *const us_states[] = {"IL", "TX", "CO", "WA", "MA", "FL"};
static const char *const us_streets[] = {"W Huron St", "Congress Ave",
    "Larimer St", "Pike St", "Newbury St", "Ocean Dr"};

static const struct name de_first[] = {
	{"Lena", "lena"}, {"Jürgen", "juergen"}, {"Björn", "bjoern"},
	{"Søren", "soeren"}, {"François", "francois"}, {"Łukasz", "lukasz"},
	{"Inès", "ines"}, {"José", "jose"}, {"Ångström", "angstrom"},
	{"Renée", "renee"},
};
static const struct name de_last[] = {
	{"Fischer", "fischer"}, {"Müller", "mueller"}, {"Schröder", "schroeder"},
	{"Dvořák", "dvorak"}, {"Lefèvre", "lefevre"}, {"Núñez", "nunez"},
	{"Kraß", "krass"}, {"Østergaard", "ostergaard"},
};
static const char *const de_cities[] = {"Berlin", "München", "Köln",
    "Hamburg", "Düsseldorf", "Leipzig"};
static const char *const de_states[] = {"BE", "BY", "NW", "HH", "NW", "SN"};
static const char *const de_streets[] = {"Torstraße", "Maximilianstraße",
    "Hohe Straße", "Mönckebergstraße", "Königsallee", "Karl-Liebknecht-Str."};

static const struct name jp_first[] = {
	{"花子", "hanako"}, {"健太", "kenta"}, {"さくら", "sakura"},
	{"翔", "sho"}, {"美咲", "misaki"}, {"大輔", "daisuke"},
};
static const struct name jp_last[] = {
	{"佐藤", "sato"}, {"鈴木", "suzuki"}, {"高橋", "takahashi"},
	{"田中", "tanaka"}, {"渡辺", "watanabe"},
};
static const char *const jp_cities[] = {"東京", "大阪", "京都", "札幌",
    "福岡", "横浜"};
static const char *const jp_states[] = {"13", "27", "26", "01", "40", "14"};
static const char *const jp_streets[] = {"丸の内", "梅田", "祇園町",
    "大通西", "天神", "みなとみらい"};

static const struct name cn_first[] = {
	{"伟", "wei"}, {"娜", "na"}, {"静", "jing"}, {"磊", "lei"},
	{"秀英", "xiuying"},
};
static const struct name cn_last[] = {
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"},
	{"陈", "chen"},
};
static const char *const cn_cities[] = {"北京", "上海", "深圳", "杭州",
    "成都", "广州"};
static const char *const cn_states[] = {"BJ", "SH", "GD", "ZJ", "SC", "GD"};
static const char *const cn_streets[] = {"长安街", "南京路", "深南大道",
    "西湖路", "春熙路", "天河路"};

static const struct name ru_first[] = {
	{"Дмитрий", "dmitry"}, {"Анна", "anna"}, {"Сергей", "sergey"},
	{"Ольга", "olga"}, {"Ёлка", "yolka"}, {"Иван", "ivan"},
};
static const struct name ru_last[] = {
	{"Иванов", "ivanov"}, {"Смирнова", "smirnova"}, {"Кузнецов", "kuznetsov"},
	{"Попова", "popova"}, {"Соколов", "sokolov"},
};
static const char *const ru_cities[] = {"Москва", "Санкт-Петербург",
    "Казань", "Новосибирск", "Екатеринбург", "Самара"};
static const char *const ru_states[] = {"MOW", "SPE", "TA", "NVS", "SVE",
    "SAM"};
static const char *const ru_streets[] = {"ул. Тверская", "Невский пр.",
    "ул. Баумана", "Красный пр.", "ул. Ленина", "ул. Куйбышева"};

static const struct name ar_first[] = {
	{"محمد", "mohammed"}, {"فاطمة", "fatima"}, {"أحمد", "ahmed"},
	{"ليلى", "layla"}, {"يوسف", "youssef"},
};
static const struct name ar_last[] = {
	{"العلي", "alali"}, {"حداد", "haddad"}, {"الشامي", "alshami"},
	{"منصور", "mansour"}, {"خوري", "khoury"},
};
static const char *const ar_cities[] = {"دبي", "أبوظبي", "الشارقة", "العين",
    "عجمان", "رأس الخيمة"};
static const char *const ar_states[] = {"DU", "AZ", "SH", "AZ", "AJ", "RK"};
static const char *const ar_streets[] = {"شارع الشيخ زايد", "شارع الكورنيش",
    "شارع الوحدة", "شارع خليفة", "شارع الاتحاد", "شارع المطار"};

static const struct name gr_first[] = {
	{"Νίκος", "nikos"}, {"Ελένη", "eleni"}, {"Γιώργος", "giorgos"},
	{"Μαρία", "maria"},
};
static const struct name gr_last[] = {
	{"Παπαδόπουλος", "papadopoulos"}, {"Οικονόμου", "oikonomou"},
	{"Γεωργίου", "georgiou"},
};
static const char *const gr_cities[] = {"Αθήνα", "Θεσσαλονίκη", "Πάτρα",
    "Ηράκλειο", "Λάρισα", "Βόλος"};
static const char *const gr_states[] = {"I", "B", "G", "M", "E", "E"};
static const char *const gr_streets[] = {"Οδός Ερμού", "Οδός Τσιμισκή",
    "Οδός Κορίνθου", "Οδός Δικαιοσύνης", "Οδός Κύπρου", "Οδός Ιάσονος"};

#define CULT(cc, tz, ph, tld, pd, f, l, c, s, st) \
	{ cc, tz, ph, tld, pd, f, l, nitems(f), nitems(l), c, s, st, nitems(c) }

static const struct culture cultures[] = {
	CULT("US", "America/Chicago", "+1", "com", 10, us_first, us_last,
	    us_cities, us_states, us_streets),
	CULT("US", "America/New_York", "+1", "io", 10, us_first, us_last,
	    us_cities, us_states, us_streets),
	CULT("DE", "Europe/Berlin", "+49", "de", 10, de_first, de_last,
	    de_cities, de_states, de_streets),
	CULT("JP", "Asia/Tokyo", "+81", "jp", 10, jp_first, jp_last,
	    jp_cities, jp_states, jp_streets),
	CULT("CN", "Asia/Shanghai", "+86", "cn", 11, cn_first, cn_last,
	    cn_cities, cn_states, cn_streets),
	CULT("RU", "Europe/Moscow", "+7", "ru", 10, ru_first, ru_last,
	    ru_cities, ru_states, ru_streets),
	CULT("AE", "Asia/Dubai", "+971", "ae", 9, ar_first, ar_last,
	    ar_cities, ar_states, ar_streets),
	CULT("GR", "Europe/Athens", "+30", "gr", 10, gr_first, gr_last,
	    gr_cities, gr_states, gr_streets),
};

struct company {
	const char *name, *slug;
};

static const struct company companies[] = {
	{"Brightlane Logistics", "brightlane"}, {"Nordhaus GmbH", "nordhaus"},
	{"Acme Widgets, Inc.", "acme-widgets"}, {"Rocket 🚀 Labs", "rocketlabs"},
	{"株式会社さくら商事", "sakura-shoji"}, {"ООО «Ромашка»", "romashka"},
	{"شركة النخيل للتجارة", "alnakheel"}, {"Café Olé & Co.", "cafeole"},
	{"Blue Harbor Dental", "blueharbor"}, {"Summit Roofing LLC", "summitroof"},
	{"Green Leaf Yoga 🌿", "greenleaf"}, {"Κλειδί Α.Ε.", "kleidi"},
	{"Pixel & Pine Studio", "pixelpine"}, {"北辰科技", "beichen-tech"},
};

static const char *const free_mail[] = {"gmail.com", "outlook.com",
    "proton.me", "yahoo.com", "example.org"};
static const char *const tag_pool[] = {"vip", "lead", "customer",
    "newsletter", "webinar-2025", "demo-requested", "churn-risk", "partner",
    "trade-show", "q3-2025", "warehouse", "enterprise", "smb", "follow-up",
    "🔥 hot", "referral", "renewal", "beta-tester"};
static const char *const sources[] = {"website form", "referral",
    "public api", "facebook ad", "trade show", "import", "chat widget"};
static const char *const task_titles[] = {"Call back about pricing",
    "Send revised quote", "Book follow-up demo", "Confirm onboarding date",
    "Collect signed contract", "Check in after trial",
    "Prepare renewal proposal", "Ask for a referral",
    "Résumé the discovery notes", "Ship sample kit 📦"};
static const char *const task_bodies[] = {"",
    "Include the 25-seat Growth tier and the Q4 onboarding discount.",
    "They want to loop in their ops director.",
    "Use the Zoom link from the last invite.",
    "Budget approved; waiting on legal.",
    "Mention the annual plan (2 months free)."};
static const char *const note_bodies[] = {
	"Discovery call: 3 warehouses, ~40k picks/day, evaluating us vs. in-house.",
	"Asked for SOC 2 report; sent via secure link.",
	"Left voicemail re: renewal timing.",
	"Meeting notes:\n- budget confirmed\n- decision in Q3\n- wants SSO",
	"Prefers e-mail over phone. Do not call before 10:00.",
	"Spoke with assistant.\nCall again next Tuesday.\n\nThanks!",
	"Interested in the 🚀 launch package.",
	"Customer said: \"great service\" — ask for a testimonial.",
	"Tab\tseparated\tvalues pasted from a spreadsheet.",
};
static const char *const note_titles[] = {"Discovery call", "Security review",
    "Voicemail", "Meeting", "Preference", "Follow-up", "Upsell", "Feedback",
    "Import"};
static const char *const colors[] = {"#FFD966", "#9FC5E8", "#B6D7A8",
    "#EA9999", "#FFFFFF"};
static const char *const appt_titles[] = {"Intro call", "Product demo",
    "Onboarding session", "Quarterly review", "Site visit", "Renewal chat"};
static const char *const appt_status[] = {"new", "confirmed", "cancelled",
    "showed", "noshow"};
static const char *const dnd_channels[] = {"Call", "Email", "SMS",
    "WhatsApp", "GMB", "FB"};

/*
 * Object builders with constant keys (cJSON's "CS" variants): every key
 * here is a string literal, so no key is copied; this halves the
 * allocations of the hot paging path.
 */
static void
gi(cJSON *o, const char *k, cJSON *v)
{
	cJSON_AddItemToObjectCS(o, k, v);
}

static void
gs(cJSON *o, const char *k, const char *v)
{
	gi(o, k, cJSON_CreateString(v));
}

static void
gb(cJSON *o, const char *k, int v)
{
	gi(o, k, cJSON_CreateBool(v));
}

static void
gn(cJSON *o, const char *k)
{
	gi(o, k, cJSON_CreateNull());
}

static cJSON *
go(cJSON *o, const char *k)
{
	cJSON *v = cJSON_CreateObject();

	gi(o, k, v);
	return v;
}

static cJSON *
ga(cJSON *o, const char *k)
{
	cJSON *v = cJSON_CreateArray();

	gi(o, k, v);
	return v;
}

#define SPAN_MS (4LL * 36525 * 864000)	/* four years */
#define DAY_MS 86400000LL

static uint64_t
rng(uint64_t seed, uint64_t i, uint64_t salt)
{
	return sb_util_mix(seed, i, salt);
}

#define PICK(st, arr) (arr[sb_util_below(st, nitems(arr))])

int64_t
sb_gen_added(uint64_t seed, uint64_t i, uint64_t n)
{
	int64_t step;
	uint64_t st;

	step = SPAN_MS / (int64_t)(n ? n : 1);
	if (step < 1)
		step = 1;
	st = rng(seed, i, 1);
	return SB_GEN_ANCHOR_MS - SPAN_MS + (int64_t)i * step +
	    (int64_t)sb_util_below(&st, (uint64_t)step);
}

struct person {
	const struct culture *cu;
	const struct name *first, *last;
	int company;		/* -1: none */
	int has_email, has_phone, has_addr, has_dob;
	uint64_t st;		/* continues the contact's stream */
};

static void
person(uint64_t seed, uint64_t i, struct person *p)
{
	p->st = rng(seed, i, 2);
	p->cu = &cultures[sb_util_below(&p->st, nitems(cultures))];
	p->first = &p->cu->first[sb_util_below(&p->st, p->cu->nfirst)];
	p->last = &p->cu->last[sb_util_below(&p->st, p->cu->nlast)];
	p->company = sb_util_below(&p->st, 4) == 0 ? -1 :
	    (int)sb_util_below(&p->st, nitems(companies));
	p->has_email = sb_util_below(&p->st, 20) != 0;
	p->has_phone = sb_util_below(&p->st, 14) != 0;
	p->has_addr = sb_util_below(&p->st, 10) < 7;
	p->has_dob = sb_util_below(&p->st, 10) < 6;
}

static void
email_of(const struct person *p, uint64_t i, char *out, size_t len)
{
	uint64_t st = p->st;
	const char *dom;

	if (!p->has_email) {
		out[0] = '\0';
		return;
	}
	if (p->company >= 0 && sb_util_below(&st, 3) != 0) {
		snprintf(out, len, "%s.%s%llu@%s.%s", p->first->roman,
		    p->last->roman, (unsigned long long)i,
		    companies[p->company].slug, p->cu->tld);
		return;
	}
	dom = free_mail[sb_util_below(&st, nitems(free_mail))];
	snprintf(out, len, "%s.%s%llu@%s", p->first->roman, p->last->roman,
	    (unsigned long long)i, dom);
}

void
sb_gen_basic(uint64_t seed, uint64_t i, uint64_t n, struct sb_gen_basic *b)
{
	struct person p;
	uint64_t st;
	char *l;

	b->added = sb_gen_added(seed, i, n);
	st = rng(seed, i, 3);
	if (sb_util_below(&st, 10) < 3)
		b->updated = b->added;
	else
		b->updated = b->added + (int64_t)sb_util_below(&st,
		    (uint64_t)(SB_GEN_ANCHOR_MS - b->added) + 1);
	person(seed, i, &p);
	l = sb_util_lower(p.first->disp);
	snprintf(b->first_lower, sizeof(b->first_lower), "%s", l);
	free(l);
	l = sb_util_lower(p.last->disp);
	snprintf(b->last_lower, sizeof(b->last_lower), "%s", l);
	free(l);
	email_of(&p, i, b->email, sizeof(b->email));
}

int
sb_gen_phone(uint64_t seed, uint64_t i, char *buf, size_t size)
{
	struct person p;
	uint64_t ps;
	size_t len;
	int d;

	person(seed, i, &p);
	if (!p.has_phone || size < 24)
		return -1;
	len = (size_t)snprintf(buf, size, "%s", p.cu->phone);
	ps = rng(seed, i, 5);
	for (d = 0; d < p.cu->phone_digits; d++) {
		if (strcmp(p.cu->phone, "+1") == 0 && d >= 3 && d < 6)
			buf[len++] = "555"[d - 3];
		else if (d == 0)
			buf[len++] = (char)('2' + sb_util_below(&ps, 8));
		else
			buf[len++] = (char)('0' + sb_util_below(&ps, 10));
	}
	buf[len] = '\0';
	return 0;
}

void
sb_gen_user(uint64_t seed, unsigned k, char *out)
{
	sb_util_id(seed, SB_NS_USER, k, out);
}

static void
add_time(cJSON *o, const char *key, int64_t ms)
{
	char t[32];

	sb_util_iso(ms, t, sizeof(t));
	gs(o, key, t);
}

static cJSON *
attribution(uint64_t *st, const char *slug)
{
	static const char *const keys[] = {"campaign", "utmSource",
	    "utmMedium", "utmContent", "referrer", "campaignId", "fbclid",
	    "gclid", "msclikid", "dclid", "fbc", "fbp", "fbEventId"};
	cJSON *a;
	char url[128];
	size_t k;

	a = cJSON_CreateObject();
	snprintf(url, sizeof(url), "https://%s.example/%s", slug,
	    sb_util_below(st, 2) ? "pricing" : "contact");
	gs(a, "url", url);
	for (k = 0; k < nitems(keys); k++) {
		if (k == 1 && sb_util_below(st, 2))
			gs(a, keys[k], "google");
		else if (k == 2 && sb_util_below(st, 2))
			gs(a, keys[k], "cpc");
		else
			gn(a, keys[k]);
	}
	gs(a, "userAgent",
	    "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0");
	gs(a, "ip", "203.0.113.42");
	gs(a, "medium", "form");
	gn(a, "mediumId");
	return a;
}

cJSON *
sb_gen_contact(uint64_t seed, uint64_t i, uint64_t n, const char *loc,
    int flags)
{
	struct sb_gen_basic b;
	struct person p;
	cJSON *c, *arr, *o, *ch;
	char id[SB_ID_LEN + 1], buf[256];
	uint64_t st, mask;
	size_t k, ntags, nd;
	int dnd;

	sb_gen_basic(seed, i, n, &b);
	person(seed, i, &p);
	st = rng(seed, i, 4);
	c = cJSON_CreateObject();
	sb_util_id(seed, SB_NS_CONTACT, i, id);
	gs(c, "id", id);
	snprintf(buf, sizeof(buf), "%s %s", p.first->disp, p.last->disp);
	gs(c, "name", buf);
	gs(c, "locationId", loc);
	gs(c, "firstName", p.first->disp);
	gs(c, "lastName", p.last->disp);
	if (b.email[0] != '\0') {
		gs(c, "email", b.email);
		gs(c, "emailLowerCase", b.email);
	}
	gs(c, "timezone", p.cu->tz);
	if (p.company >= 0)
		gs(c, "companyName",
		    companies[p.company].name);
	if (sb_gen_phone(seed, i, buf, sizeof(buf)) == 0)
		gs(c, "phone", buf);
	dnd = sb_util_below(&st, 20) == 0;
	gb(c, "dnd", dnd);
	o = go(c, "dndSettings");
	mask = sb_util_rand(&st);
	for (nd = 0; nd < nitems(dnd_channels); nd++) {
		int active = dnd || (mask >> nd) % 16 == 0;

		ch = go(o, dnd_channels[nd]);
		gs(ch, "status", active ? "active" :
		    "inactive");
		gs(ch, "message", active ?
		    "Replied STOP" : "");
		gs(ch, "code", active ? "STOP" : "");
	}
	gs(c, "type", sb_util_below(&st, 3) ?
	    "lead" : "customer");
	gs(c, "source", PICK(&st, sources));
	if (sb_util_below(&st, 10) < 7) {
		sb_gen_user(seed, (unsigned)sb_util_below(&st, 5), id);
		gs(c, "assignedTo", id);
	}
	if (p.has_addr) {
		k = sb_util_below(&st, p.cu->ncities);
		snprintf(buf, sizeof(buf), "%u %s",
		    (unsigned)(1 + sb_util_below(&st, 998)), p.cu->streets[k]);
		gs(c, "address1", buf);
		gs(c, "city", p.cu->cities[k]);
		gs(c, "state", p.cu->states[k]);
		snprintf(buf, sizeof(buf), "%05u",
		    (unsigned)sb_util_below(&st, 99999));
		gs(c, "postalCode", buf);
	}
	gs(c, "country", p.cu->country);
	if (p.company >= 0) {
		snprintf(buf, sizeof(buf), "https://%s.%s",
		    companies[p.company].slug, p.cu->tld);
		gs(c, "website", buf);
	}
	arr = ga(c, "tags");
	ntags = sb_util_below(&st, 5);
	mask = 0;
	for (k = 0; k < ntags; k++) {
		size_t t = sb_util_below(&st, nitems(tag_pool));

		if (mask & (1ULL << t))
			continue;
		mask |= 1ULL << t;
		cJSON_AddItemToArray(arr, cJSON_CreateString(tag_pool[t]));
	}
	if (p.has_dob) {
		int64_t dob = SB_GEN_ANCHOR_MS - (18 * 365 + (int64_t)
		    sb_util_below(&st, 50 * 365)) * DAY_MS;

		sb_util_date(dob, buf, sizeof(buf));
		gs(c, "dateOfBirth", buf);
	}
	add_time(c, "dateAdded", b.added);
	add_time(c, "dateUpdated", b.updated);
	gs(c, "firstNameLowerCase", b.first_lower);
	snprintf(buf, sizeof(buf), "%s %s", b.first_lower, b.last_lower);
	gs(c, "fullNameLowerCase", buf);
	gs(c, "lastNameLowerCase", b.last_lower);
	add_time(c, "lastActivity", b.updated);
	arr = ga(c, "customFields");
	if (sb_util_below(&st, 3) != 0) {
		static const char *const plans[] = {"Starter", "Growth",
		    "Enterprise"};

		o = cJSON_CreateObject();
		sb_util_id(seed, SB_NS_FIELD, 0, id);
		gs(o, "id", id);
		gs(o, "value", PICK(&st, plans));
		cJSON_AddItemToArray(arr, o);
		if (sb_util_below(&st, 2)) {
			o = cJSON_CreateObject();
			sb_util_id(seed, SB_NS_FIELD, 1, id);
			gs(o, "id", id);
			snprintf(buf, sizeof(buf), "%u",
			    (unsigned)(1 + sb_util_below(&st, 200)));
			gs(o, "value", buf);
			cJSON_AddItemToArray(arr, o);
		}
	}
	if (p.company >= 0) {
		uint64_t h = sb_util_mix(seed, (uint64_t)p.company, 77);

		snprintf(buf, sizeof(buf), "%08x%016llx",
		    (unsigned)(sb_util_mix(seed, (uint64_t)p.company, 78) &
		    0xffffffffu), (unsigned long long)h);
		gs(c, "businessId", buf);
	}
	if (sb_util_below(&st, 2) && !(flags & SB_GEN_NO_ATTRIB)) {
		const char *slug = p.company >= 0 ? companies[p.company].slug :
		    "demo";

		gi(c, "attributionSource",
		    attribution(&st, slug));
		gi(c, "lastAttributionSource",
		    attribution(&st, slug));
	}
	if (sb_util_below(&st, 4) == 0) {
		sb_util_id(seed, SB_NS_MISC, i, id);
		gs(c, "visitorId", id);
	}
	return c;
}

cJSON *
sb_gen_tasks(uint64_t seed, uint64_t i, uint64_t n)
{
	cJSON *arr, *t;
	char id[SB_ID_LEN + 1], cid[SB_ID_LEN + 1];
	uint64_t st, k, cnt;
	int64_t due;

	st = rng(seed, i, 6);
	sb_util_id(seed, SB_NS_CONTACT, i, cid);
	arr = cJSON_CreateArray();
	cnt = sb_util_below(&st, 7);
	for (k = 0; k < cnt; k++) {
		t = cJSON_CreateObject();
		sb_util_id(seed, SB_NS_TASK, i * 8 + k, id);
		gs(t, "id", id);
		gs(t, "title", PICK(&st, task_titles));
		gs(t, "body", PICK(&st, task_bodies));
		sb_gen_user(seed, (unsigned)sb_util_below(&st, 5), id);
		gs(t, "assignedTo", id);
		due = SB_GEN_ANCHOR_MS + ((int64_t)sb_util_below(&st, 240) -
		    150) * DAY_MS + (int64_t)sb_util_below(&st, 20) * 1800000;
		add_time(t, "dueDate", due);
		gb(t, "completed", due < SB_GEN_ANCHOR_MS ?
		    sb_util_below(&st, 4) != 0 : sb_util_below(&st, 8) == 0);
		gs(t, "contactId", cid);
		cJSON_AddItemToArray(arr, t);
	}
	return arr;
}

cJSON *
sb_gen_notes(uint64_t seed, uint64_t i, uint64_t n)
{
	cJSON *arr, *o;
	char id[SB_ID_LEN + 1], cid[SB_ID_LEN + 1];
	uint64_t st, k, cnt, which;
	int64_t added;

	st = rng(seed, i, 7);
	added = sb_gen_added(seed, i, n);
	sb_util_id(seed, SB_NS_CONTACT, i, cid);
	arr = cJSON_CreateArray();
	cnt = sb_util_below(&st, 6);
	for (k = 0; k < cnt; k++) {
		o = cJSON_CreateObject();
		sb_util_id(seed, SB_NS_NOTE, i * 8 + k, id);
		gs(o, "id", id);
		which = sb_util_below(&st, nitems(note_bodies));
		gs(o, "body", note_bodies[which]);
		sb_gen_user(seed, (unsigned)sb_util_below(&st, 5), id);
		gs(o, "userId", id);
		add_time(o, "dateAdded", added + (int64_t)sb_util_below(&st,
		    (uint64_t)(SB_GEN_ANCHOR_MS - added) + 1));
		gs(o, "contactId", cid);
		gs(o, "title", note_titles[which]);
		gs(o, "color", PICK(&st, colors));
		gb(o, "pinned", sb_util_below(&st, 5) == 0);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

cJSON *
sb_gen_appts(uint64_t seed, uint64_t i, uint64_t n, const char *loc)
{
	cJSON *arr, *o, *u;
	char id[SB_ID_LEN + 1], cid[SB_ID_LEN + 1], t[32];
	uint64_t st, k, cnt;
	int64_t start, dur;

	st = rng(seed, i, 8);
	sb_util_id(seed, SB_NS_CONTACT, i, cid);
	arr = cJSON_CreateArray();
	cnt = sb_util_below(&st, 5);
	for (k = 0; k < cnt; k++) {
		o = cJSON_CreateObject();
		sb_util_id(seed, SB_NS_APPT, i * 8 + k, id);
		gs(o, "id", id);
		sb_util_id(seed, SB_NS_CAL, sb_util_below(&st, 2), id);
		gs(o, "calendarId", id);
		gs(o, "status", "booked");
		gs(o, "title", PICK(&st, appt_titles));
		sb_gen_user(seed, (unsigned)sb_util_below(&st, 5), id);
		gs(o, "assignedUserId", id);
		gs(o, "notes", sb_util_below(&st, 2) ?
		    "" : "Bring the latest numbers.");
		start = SB_GEN_ANCHOR_MS + ((int64_t)sb_util_below(&st, 200) -
		    120) * DAY_MS + (int64_t)(18 + sb_util_below(&st, 18)) *
		    1800000;
		dur = (int64_t)(1 + sb_util_below(&st, 4)) * 900000;
		sb_util_plain(start, t, sizeof(t));
		gs(o, "startTime", t);
		sb_util_plain(start + dur, t, sizeof(t));
		gs(o, "endTime", t);
		gs(o, "address", sb_util_below(&st, 2) ?
		    "https://meet.example.com/demo" : "+13125550100");
		gs(o, "locationId", loc);
		gs(o, "contactId", cid);
		sb_util_id(seed, SB_NS_MISC, 1000000000ULL + i, id);
		gs(o, "groupId", id);
		gs(o, "appointmentStatus",
		    start < SB_GEN_ANCHOR_MS ? PICK(&st, appt_status) :
		    "confirmed");
		u = ga(o, "users");
		sb_gen_user(seed, (unsigned)sb_util_below(&st, 5), id);
		cJSON_AddItemToArray(u, cJSON_CreateString(id));
		sb_util_plain(start - 7 * DAY_MS, t, sizeof(t));
		gs(o, "dateAdded", t);
		sb_util_plain(start - 6 * DAY_MS, t, sizeof(t));
		gs(o, "dateUpdated", t);
		ga(o, "assignedResources");
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}
