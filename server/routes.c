/*
 * routes: the table of everything saferoomd answers. See
 * include/saferoom/routes.h. Handlers live in the module named by their
 * prefix (catalog_ in catalog.c, web_ in web.c).
 */
#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "saferoom/booking.h"
#include "saferoom/catalog.h"
#include "saferoom/deskpay.h"
#include "saferoom/pages.h"
#include "saferoom/payment.h"
#include "saferoom/routes.h"
#include "saferoom/staff.h"
#include "saferoom/staffpages.h"
#include "saferoom/store.h"
#include "saferoom/util.h"
#include "saferoom/web.h"

/* Who may call a staff route. */
#define STAFF_ALL	(ROLE_ADMIN | ROLE_THERAPIST | ROLE_DESK)
#define FRONT		(ROLE_ADMIN | ROLE_DESK)	/* the front desk's work */
#define CALENDAR_OWNERS	(ROLE_ADMIN | ROLE_THERAPIST)	/* hours, time off */

static const struct route routes[] = {
	/* Public pages and assets. */
	{ EVHTTP_REQ_GET, "/", 0, ROUTE_PAGE, catalog_home },
	{ EVHTTP_REQ_GET, "/static/*", 0, ROUTE_PAGE | ROUTE_PUBLIC_CACHE,
	    web_static },

	/* The client's pages, without JavaScript (pages.c). */
	{ EVHTTP_REQ_GET, "/book", 0, ROUTE_PAGE, pages_book_services },
	{ EVHTTP_REQ_POST, "/book", 0, ROUTE_PAGE, pages_book_post },
	{ EVHTTP_REQ_GET, "/book/therapist", 0, ROUTE_PAGE, pages_book_therapist },
	{ EVHTTP_REQ_GET, "/book/day", 0, ROUTE_PAGE, pages_book_day },
	{ EVHTTP_REQ_GET, "/book/time", 0, ROUTE_PAGE, pages_book_time },
	{ EVHTTP_REQ_GET, "/book/confirm", 0, ROUTE_PAGE, pages_book_confirm },
	{ EVHTTP_REQ_GET, "/manage", 0, ROUTE_PAGE, pages_manage_form },
	{ EVHTTP_REQ_POST, "/manage", 0, ROUTE_PAGE, pages_manage_post },
	{ EVHTTP_REQ_GET, "/manage/booking", 0, ROUTE_PAGE, pages_manage_booking },
	{ EVHTTP_REQ_GET, "/manage/cancel", 0, ROUTE_PAGE,
	    pages_manage_cancel_form },
	{ EVHTTP_REQ_POST, "/manage/cancel", 0, ROUTE_PAGE, pages_manage_cancel },
	{ EVHTTP_REQ_GET, "/manage/reschedule", 0, ROUTE_PAGE,
	    pages_manage_reschedule },
	{ EVHTTP_REQ_POST, "/manage/reschedule", 0, ROUTE_PAGE,
	    pages_manage_reschedule_post },
	{ EVHTTP_REQ_GET, "/manage/reschedule/confirm", 0, ROUTE_PAGE,
	    pages_manage_reschedule_confirm },
	{ EVHTTP_REQ_GET, "/manage/ticket", 0, ROUTE_PAGE, pages_manage_ticket },
	{ EVHTTP_REQ_GET, "/manage/ticket.png", 0, ROUTE_PAGE,
	    pages_manage_ticket_png },
	{ EVHTTP_REQ_GET, "/manage/ticket.svg", 0, ROUTE_PAGE,
	    pages_manage_ticket_svg },
	{ EVHTTP_REQ_GET, "/manage/booking.ics", 0, ROUTE_PAGE, pages_manage_ics },
	{ EVHTTP_REQ_POST, "/manage/forget", 0, ROUTE_PAGE, pages_manage_forget },
	{ EVHTTP_REQ_POST, "/manage/redeem", 0, ROUTE_PAGE, pages_manage_redeem },
	{ EVHTTP_REQ_GET, "/manage/receipt", 0, ROUTE_PAGE, pages_manage_receipt },
	{ EVHTTP_REQ_GET, "/voucher", 0, ROUTE_PAGE, pages_voucher_form },
	{ EVHTTP_REQ_POST, "/voucher", 0, ROUTE_PAGE, pages_voucher_post },

	/*
	 * The staff's pages, without JavaScript (staffpages.c). Same roles as
	 * their API rows; auth_check() sends a page without a session to
	 * /staff/login and checks the form field "csrf" on every POST.
	 */
	{ EVHTTP_REQ_GET, "/staff/login", 0, ROUTE_PAGE, staffpages_login_form },
	{ EVHTTP_REQ_POST, "/staff/login", 0, ROUTE_PAGE, staffpages_login },
	{ EVHTTP_REQ_POST, "/staff/logout", STAFF_ALL, ROUTE_PAGE,
	    staffpages_logout },
	{ EVHTTP_REQ_GET, "/staff", STAFF_ALL, ROUTE_PAGE, staffpages_home },
	{ EVHTTP_REQ_GET, "/staff/calendar", STAFF_ALL, ROUTE_PAGE,
	    staffpages_calendar },
	{ EVHTTP_REQ_GET, "/staff/booking", STAFF_ALL, ROUTE_PAGE,
	    staffpages_booking },
	{ EVHTTP_REQ_POST, "/staff/booking/cancel", STAFF_ALL, ROUTE_PAGE,
	    staffpages_cancel },
	{ EVHTTP_REQ_POST, "/staff/booking/noshow", FRONT, ROUTE_PAGE,
	    staffpages_noshow },
	{ EVHTTP_REQ_GET, "/staff/hours", CALENDAR_OWNERS, ROUTE_PAGE,
	    staffpages_hours },
	{ EVHTTP_REQ_POST, "/staff/hours", CALENDAR_OWNERS, ROUTE_PAGE,
	    staffpages_hours_add },
	{ EVHTTP_REQ_POST, "/staff/hours/delete", CALENDAR_OWNERS, ROUTE_PAGE,
	    staffpages_hours_delete },
	{ EVHTTP_REQ_POST, "/staff/timeoff", CALENDAR_OWNERS, ROUTE_PAGE,
	    staffpages_timeoff_add },
	{ EVHTTP_REQ_POST, "/staff/timeoff/delete", CALENDAR_OWNERS, ROUTE_PAGE,
	    staffpages_timeoff_delete },
	{ EVHTTP_REQ_GET, "/staff/desk", FRONT, ROUTE_PAGE, staffpages_desk },
	{ EVHTTP_REQ_POST, "/staff/desk/checkin", FRONT, ROUTE_PAGE,
	    staffpages_checkin },
	{ EVHTTP_REQ_GET, "/staff/account", STAFF_ALL, ROUTE_PAGE,
	    staffpages_account },
	{ EVHTTP_REQ_POST, "/staff/account/password", STAFF_ALL, ROUTE_PAGE,
	    staffpages_password },
	{ EVHTTP_REQ_GET, "/staff/audit", ROLE_ADMIN, ROUTE_PAGE,
	    staffpages_audit },

	/*
	 * The desk's and the admin's payment pages (deskpay.c): selling and
	 * printing vouchers, taking a voucher, cash or card for a booking,
	 * the daily report and the accounting export; voiding is for admins.
	 */
	{ EVHTTP_REQ_GET, "/staff/vouchers", FRONT, ROUTE_PAGE,
	    deskpay_vouchers },
	{ EVHTTP_REQ_POST, "/staff/vouchers", FRONT, ROUTE_PAGE,
	    deskpay_vouchers_make },
	{ EVHTTP_REQ_POST, "/staff/vouchers/void", ROLE_ADMIN, ROUTE_PAGE,
	    deskpay_vouchers_void },
	{ EVHTTP_REQ_GET, "/staff/pay", FRONT, ROUTE_PAGE, deskpay_pay },
	{ EVHTTP_REQ_POST, "/staff/pay/voucher", FRONT, ROUTE_PAGE,
	    deskpay_pay_voucher },
	{ EVHTTP_REQ_POST, "/staff/pay/desk", FRONT, ROUTE_PAGE,
	    deskpay_pay_desk },
	{ EVHTTP_REQ_GET, "/staff/report", FRONT, ROUTE_PAGE, deskpay_report },
	{ EVHTTP_REQ_GET, "/staff/report.csv", FRONT, ROUTE_PAGE,
	    deskpay_report_csv },
	{ EVHTTP_REQ_GET, "/staff/export.csv", FRONT, ROUTE_PAGE,
	    deskpay_export_csv },
	{ EVHTTP_REQ_POST, "/api/v1/staff/vouchers/void", ROLE_ADMIN, ROUTE_API,
	    deskpay_api_void },

	/* Public JSON API (API.md "Public"). */
	{ EVHTTP_REQ_GET, "/api/v1/services", 0, ROUTE_API, catalog_services },
	{ EVHTTP_REQ_GET, "/api/v1/therapists", 0, ROUTE_API,
	    catalog_therapists },
	{ EVHTTP_REQ_GET, "/api/v1/slots", 0, ROUTE_API, booking_api_slots },
	{ EVHTTP_REQ_POST, "/api/v1/bookings", 0, ROUTE_API, booking_api_create },

	/* The client, with "Authorization: Bearer TOKEN" (API.md). */
	{ EVHTTP_REQ_GET, "/api/v1/booking", 0, ROUTE_API, booking_api_get },
	{ EVHTTP_REQ_POST, "/api/v1/booking/cancel", 0, ROUTE_API,
	    booking_api_cancel },
	{ EVHTTP_REQ_POST, "/api/v1/booking/reschedule", 0, ROUTE_API,
	    booking_api_reschedule },
	{ EVHTTP_REQ_GET, "/api/v1/booking/ticket.svg", 0, ROUTE_API,
	    booking_api_ticket_svg },
	{ EVHTTP_REQ_GET, "/api/v1/booking/ticket.png", 0, ROUTE_API,
	    booking_api_ticket_png },
	{ EVHTTP_REQ_POST, "/api/v1/booking/redeem", 0, ROUTE_API,
	    payment_api_client_redeem },

	/* Staff (API.md "Staff"): the roles column is the permission table. */
	{ EVHTTP_REQ_POST, "/api/v1/staff/login", 0, ROUTE_API, staff_api_login },
	{ EVHTTP_REQ_POST, "/api/v1/staff/logout", STAFF_ALL, ROUTE_API,
	    staff_api_logout },
	{ EVHTTP_REQ_GET, "/api/v1/staff/me", STAFF_ALL, ROUTE_API, staff_api_me },
	{ EVHTTP_REQ_GET, "/api/v1/staff/calendar", STAFF_ALL, ROUTE_API,
	    staff_api_calendar },
	{ EVHTTP_REQ_POST, "/api/v1/staff/checkin", FRONT, ROUTE_API,
	    staff_api_checkin },
	{ EVHTTP_REQ_POST, "/api/v1/staff/noshow", FRONT, ROUTE_API,
	    staff_api_noshow },
	{ EVHTTP_REQ_POST, "/api/v1/staff/payments", FRONT, ROUTE_API,
	    payment_api_payments },
	{ EVHTTP_REQ_POST, "/api/v1/staff/vouchers", FRONT, ROUTE_API,
	    payment_api_vouchers },
	{ EVHTTP_REQ_POST, "/api/v1/staff/vouchers/redeem", FRONT, ROUTE_API,
	    payment_api_staff_redeem },
	{ EVHTTP_REQ_POST, "/api/v1/staff/cancel", STAFF_ALL, ROUTE_API,
	    staff_api_cancel },
	{ EVHTTP_REQ_GET, "/api/v1/staff/hours", CALENDAR_OWNERS, ROUTE_API,
	    staff_api_hours },
	{ EVHTTP_REQ_POST, "/api/v1/staff/hours", CALENDAR_OWNERS, ROUTE_API,
	    staff_api_hours_add },
	{ EVHTTP_REQ_POST, "/api/v1/staff/hours/delete", CALENDAR_OWNERS,
	    ROUTE_API, staff_api_hours_delete },
	{ EVHTTP_REQ_GET, "/api/v1/staff/timeoff", CALENDAR_OWNERS, ROUTE_API,
	    staff_api_timeoff },
	{ EVHTTP_REQ_POST, "/api/v1/staff/timeoff", CALENDAR_OWNERS, ROUTE_API,
	    staff_api_timeoff_add },
	{ EVHTTP_REQ_POST, "/api/v1/staff/timeoff/delete", CALENDAR_OWNERS,
	    ROUTE_API, staff_api_timeoff_delete },
	{ EVHTTP_REQ_POST, "/api/v1/staff/password", STAFF_ALL, ROUTE_API,
	    staff_api_password },
	{ EVHTTP_REQ_POST, "/api/v1/staff/totp", STAFF_ALL, ROUTE_API,
	    staff_api_totp },
	{ EVHTTP_REQ_POST, "/api/v1/staff/feed", ROLE_THERAPIST, ROUTE_API,
	    staff_api_feed },
	{ EVHTTP_REQ_POST, "/api/v1/staff/feed/revoke", ROLE_THERAPIST,
	    ROUTE_API, staff_api_feed_revoke },
	{ EVHTTP_REQ_GET, "/feed/*", 0, ROUTE_API, staff_feed_ics },
	{ EVHTTP_REQ_GET, "/api/v1/staff/audit", ROLE_ADMIN, ROUTE_API,
	    staff_api_audit },
	{ EVHTTP_REQ_GET, "/api/v1/staff/accounts", ROLE_ADMIN, ROUTE_API,
	    staff_api_accounts },
	{ EVHTTP_REQ_POST, "/api/v1/staff/accounts/reset", ROLE_ADMIN,
	    ROUTE_API, staff_api_account_reset },
	{ EVHTTP_REQ_POST, "/api/v1/staff/accounts/disable", ROLE_ADMIN,
	    ROUTE_API, staff_api_account_disable },
	{ EVHTTP_REQ_POST, "/api/v1/staff/accounts/enable", ROLE_ADMIN,
	    ROUTE_API, staff_api_account_enable },
};

static const struct {
	int		 method;
	const char	*name;
} route_methods[] = {
	{ EVHTTP_REQ_GET, "GET" },
	{ EVHTTP_REQ_HEAD, "HEAD" },
	{ EVHTTP_REQ_POST, "POST" },
	{ EVHTTP_REQ_PUT, "PUT" },
	{ EVHTTP_REQ_DELETE, "DELETE" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
	{ EVHTTP_REQ_OPTIONS, "OPTIONS" },
};

static int
routes_path_matches(const char *pattern, const char *path)
{
	size_t	 len = strlen(pattern);

	if (len > 0 && pattern[len - 1] == '*')
		return strncmp(pattern, path, len - 1) == 0;
	return strcmp(pattern, path) == 0;
}

const struct route *
routes_match(int method, const char *path, unsigned *allowed)
{
	size_t	 i;
	/* A GET route answers HEAD too; evhttp sends no body for HEAD. */
	int	 want = method == EVHTTP_REQ_HEAD ? EVHTTP_REQ_GET : method;

	*allowed = 0;
	for (i = 0; i < NELEM(routes); i++) {
		if (!routes_path_matches(routes[i].path, path))
			continue;
		if (routes[i].method == want)
			return &routes[i];
		*allowed |= (unsigned)routes[i].method;
		if (routes[i].method == EVHTTP_REQ_GET)
			*allowed |= EVHTTP_REQ_HEAD;
	}
	return NULL;
}

void
routes_allow_header(unsigned methods, char *out, size_t outsz)
{
	size_t	 i, len = 0;

	out[0] = '\0';
	for (i = 0; i < NELEM(route_methods); i++) {
		if (!(methods & (unsigned)route_methods[i].method))
			continue;
		len += (size_t)snprintf(out + len, outsz > len ? outsz - len : 0,
		    "%s%s", len > 0 ? ", " : "", route_methods[i].name);
		if (len >= outsz)
			break;
	}
}
