/*
 * catalog: the public reads: services, therapists, the home page. See
 * include/saferoom/catalog.h. Nothing here touches client data.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "saferoom/catalog.h"
#include "saferoom/http.h"
#include "saferoom/settings.h"
#include "saferoom/store.h"
#include "saferoom/util.h"
#include "saferoom/web.h"

#define CATALOG_MONEY_MAX	48

void
catalog_services(struct http_req *req)
{
	struct store_service	*s = NULL;
	json_t			*list;
	size_t			 n, i;

	if (store_services(&req->ctx->store, &s, &n) == -1) {
		http_error(req, 500, "internal_error",
		    "The services could not be read.");
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:I,s:s,s:i,s:I,s:s}",
		    "id", (json_int_t)s[i].id, "name", s[i].name,
		    "minutes", s[i].minutes,
		    "price_cents", (json_int_t)s[i].price_cents,
		    "currency", s[i].currency));
	free(s);
	http_reply_json(req, 200, json_pack("{s:o}", "services", list));
}

void
catalog_therapists(struct http_req *req)
{
	struct store_staff	*t = NULL;
	json_t			*list;
	size_t			 n, i;

	if (store_therapists(&req->ctx->store, &t, &n) == -1) {
		http_error(req, 500, "internal_error",
		    "The therapists could not be read.");
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:I,s:s}",
		    "id", (json_int_t)t[i].id,
		    "display_name", t[i].display_name));
	free(t);
	http_reply_json(req, 200, json_pack("{s:o}", "therapists", list));
}

/* The <li> rows of the services list, escaped. 0 or -1. */
static int
catalog_service_rows(struct evbuffer *out, const struct store_service *s,
    size_t n)
{
	char	 money[CATALOG_MONEY_MAX], minutes[16];
	size_t	 i;

	for (i = 0; i < n; i++) {
		const struct web_var vars[] = {
			{ "name", s[i].name },
			{ "minutes", minutes },
			{ "price", money },
		};

		snprintf(minutes, sizeof(minutes), "%d", s[i].minutes);
		if (util_money(money, sizeof(money), s[i].price_cents,
		    s[i].currency) == -1 ||
		    web_render(out, "service_row", vars, NELEM(vars)) == -1)
			return -1;
	}
	return 0;
}

static int
catalog_therapist_rows(struct evbuffer *out, const struct store_staff *t,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		const struct web_var vars[] = {
			{ "name", t[i].display_name },
		};

		if (web_render(out, "therapist_row", vars, NELEM(vars)) == -1)
			return -1;
	}
	return 0;
}

void
catalog_home(struct http_req *req)
{
	struct store_service	*s = NULL;
	struct store_staff	*t = NULL;
	struct evbuffer		*srows = NULL, *trows = NULL;
	char			 retention[SETTINGS_VALUE_MAX];
	size_t			 ns, nt;
	int			 ok = 0;

	if (store_services(&req->ctx->store, &s, &ns) == -1 ||
	    store_therapists(&req->ctx->store, &t, &nt) == -1 ||
	    settings_get(&req->ctx->store, "retention_days", retention,
	    sizeof(retention)) == -1 ||
	    (srows = evbuffer_new()) == NULL || (trows = evbuffer_new()) == NULL ||
	    catalog_service_rows(srows, s, ns) == -1 ||
	    catalog_therapist_rows(trows, t, nt) == -1 ||
	    evbuffer_add(srows, "", 1) == -1 || evbuffer_add(trows, "", 1) == -1)
		goto done;
	ok = 1;
	{
		const struct web_var vars[] = {
			{ "services", (char *)evbuffer_pullup(srows, -1) },
			{ "therapists", (char *)evbuffer_pullup(trows, -1) },
			{ "no_services", ns == 0 ? "No services are offered yet." : "" },
			{ "retention_days", retention },
		};

		http_reply_page(req, 200, "Book a session", "home", vars,
		    NELEM(vars));
	}
done:
	if (!ok)
		http_error(req, 500, "internal_error",
		    "The page could not be made; please try again later.");
	free(s);
	free(t);
	if (srows != NULL)
		evbuffer_free(srows);
	if (trows != NULL)
		evbuffer_free(trows);
}
