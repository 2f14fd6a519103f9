/*
 * pages: the client's booking and manage pages, for browsers with or
 * without JavaScript (DESIGN.md invariant 6). Each function is a row of
 * routes.c; the rules live in booking.h.
 */
#ifndef SAFEROOM_PAGES_H
#define SAFEROOM_PAGES_H

struct http_req;

void	pages_book_services(struct http_req *);	/* GET /book */
void	pages_book_therapist(struct http_req *);	/* GET /book/therapist */
void	pages_book_day(struct http_req *);		/* GET /book/day */
void	pages_book_time(struct http_req *);		/* GET /book/time */
void	pages_book_confirm(struct http_req *);		/* GET /book/confirm */
void	pages_book_post(struct http_req *);		/* POST /book: the done page */

void	pages_manage_form(struct http_req *);		/* GET /manage */
void	pages_manage_post(struct http_req *);		/* POST /manage: code -> cookie */
void	pages_manage_booking(struct http_req *);	/* GET /manage/booking */
void	pages_manage_cancel_form(struct http_req *);	/* GET /manage/cancel */
void	pages_manage_cancel(struct http_req *);		/* POST /manage/cancel */
void	pages_manage_reschedule(struct http_req *);	/* GET /manage/reschedule */
void	pages_manage_reschedule_confirm(struct http_req *);
void	pages_manage_reschedule_post(struct http_req *);
void	pages_manage_ticket(struct http_req *);		/* GET /manage/ticket */
void	pages_manage_ticket_png(struct http_req *);
void	pages_manage_ticket_svg(struct http_req *);
void	pages_manage_ics(struct http_req *);		/* GET /manage/booking.ics */
void	pages_manage_forget(struct http_req *);		/* POST /manage/forget */
void	pages_manage_redeem(struct http_req *);		/* POST /manage/redeem */
void	pages_manage_receipt(struct http_req *);	/* GET /manage/receipt */
void	pages_voucher_form(struct http_req *);		/* GET /voucher */
void	pages_voucher_post(struct http_req *);		/* POST /voucher: balance */

#endif
