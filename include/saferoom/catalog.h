/*
 * catalog: what the practice offers, read by anyone: services, therapists
 * and the home page. Read-only; no client data is involved.
 */
#ifndef SAFEROOM_CATALOG_H
#define SAFEROOM_CATALOG_H

struct http_req;

/* GET / : the services and what the practice stores about a client. */
void	catalog_home(struct http_req *);

/* GET /api/v1/services : {"services": [{id, name, minutes, price_cents, currency}]} */
void	catalog_services(struct http_req *);

/* GET /api/v1/therapists : {"therapists": [{id, display_name}]} */
void	catalog_therapists(struct http_req *);

#endif
