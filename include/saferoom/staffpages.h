/*
 * staffpages: the staff's pages, for browsers without JavaScript (issue 4):
 * sign-in, the week calendar, a booking with its actions, weekly hours and
 * time off, the desk with check-in by scanning, the member's account and
 * the audit log. Each function is a row of routes.c; who may open which
 * page is that table's roles column, and every rule is staff.c's or
 * auth.c's (this file only turns them into pages).
 *
 * Every page but the sign-in runs after auth_check(), so req->session is
 * set and a POST has carried the session's CSRF token in the form field
 * "csrf". Writes answer 303 back to the page they came from (Post/Redirect/
 * Get), except the desk's check-in, which answers with the desk page and
 * the outcome in it so that the next scan can follow at once.
 */
#ifndef SAFEROOM_STAFFPAGES_H
#define SAFEROOM_STAFFPAGES_H

#include <stddef.h>

struct http_req;
struct web_var;

void	staffpages_login_form(struct http_req *);	/* GET /staff/login */
void	staffpages_login(struct http_req *);		/* POST /staff/login */
void	staffpages_logout(struct http_req *);		/* POST /staff/logout */
void	staffpages_home(struct http_req *);		/* GET /staff */

void	staffpages_calendar(struct http_req *);		/* GET /staff/calendar */
void	staffpages_booking(struct http_req *);		/* GET /staff/booking */
void	staffpages_cancel(struct http_req *);		/* POST /staff/booking/cancel */
void	staffpages_noshow(struct http_req *);		/* POST /staff/booking/noshow */

void	staffpages_hours(struct http_req *);		/* GET /staff/hours */
void	staffpages_hours_add(struct http_req *);	/* POST /staff/hours */
void	staffpages_hours_delete(struct http_req *);	/* POST /staff/hours/delete */
void	staffpages_timeoff_add(struct http_req *);	/* POST /staff/timeoff */
void	staffpages_timeoff_delete(struct http_req *);	/* POST /staff/timeoff/delete */

void	staffpages_desk(struct http_req *);		/* GET /staff/desk */
void	staffpages_checkin(struct http_req *);		/* POST /staff/desk/checkin */

void	staffpages_account(struct http_req *);		/* GET /staff/account */
void	staffpages_password(struct http_req *);		/* POST /staff/account/password */

void	staffpages_audit(struct http_req *);		/* GET /staff/audit */

/*
 * For the staff pages of other modules (deskpay.c): staffpages_page answers
 * with the page tmpl inside the staff bar, given vars plus "bar" and
 * "csrf" (at most 38 of them), as every page here; staffpages_error with
 * the page that says what went wrong (status, message) and links to back.
 * Both free req like http_reply_page(); staffpages_error returns -1.
 */
int	staffpages_page(struct http_req *, int status, const char *title,
	    const char *tmpl, const struct web_var *vars, size_t nvars);
int	staffpages_error(struct http_req *, int status, const char *message,
	    const char *back);

#endif
