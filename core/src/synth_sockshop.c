/* synth_sockshop.c - the default topology: Sock Shop (the paper's application) as 14 pods on 5
 * nodes, its request paths per front-end endpoint, and the three user scenarios of Sec. 3.
 * Resource requests and limits follow Sock Shop's Kubernetes manifests; per-request costs are
 * this simulator's choices (docs/synth.md). */
#include <string.h>

#include "aw/rng.h"
#include "aw/synth.h"
#include "internal/synth_internal.h"

/* name, db, jvm, cpu req, cpu lim, mem req, mem lim, base cpu, cpu/rps, base mem, mem/rps,
 * service ms, rx B, tx B, disk read B, disk write B (per request) */
const syn_pod_spec syn_pods[AW_SOCKSHOP_PODS] = {
    {"front-end", 0, 0, 100, 300, 300, 1000, 8, 1.5, 120, 0.5, 12, 900, 7000, 0, 0},
    {"catalogue", 0, 0, 100, 200, 100, 200, 2, 0.5, 12, 0.05, 4, 400, 2500, 0, 0},
    {"catalogue-db", 1, 0, 100, 500, 200, 1000, 5, 0.6, 220, 0.1, 2, 300, 2000, 4096, 0},
    {"carts", 0, 1, 100, 300, 200, 500, 10, 2.0, 330, 0.8, 10, 600, 1200, 0, 0},
    {"carts-db", 1, 0, 100, 500, 200, 1000, 6, 0.8, 130, 0.1, 3, 500, 800, 2048, 4096},
    {"orders", 0, 1, 100, 500, 300, 500, 10, 3.0, 340, 1.0, 25, 1500, 1500, 0, 0},
    {"orders-db", 1, 0, 100, 500, 200, 1000, 6, 0.8, 130, 0.1, 3, 800, 600, 1024, 8192},
    {"payment", 0, 0, 99, 200, 100, 200, 1, 0.3, 9, 0.02, 2, 300, 200, 0, 0},
    {"shipping", 0, 1, 100, 300, 300, 500, 8, 1.5, 300, 0.5, 6, 400, 300, 0, 0},
    {"queue-master", 0, 1, 100, 300, 300, 500, 8, 1.0, 310, 0.5, 4, 400, 100, 0, 0},
    {"rabbitmq", 0, 0, 100, 200, 128, 256, 6, 0.5, 120, 0.1, 1, 500, 500, 0, 1024},
    {"user", 0, 0, 100, 300, 100, 200, 2, 0.8, 14, 0.05, 5, 400, 600, 0, 0},
    {"user-db", 1, 0, 100, 500, 200, 1000, 5, 0.8, 140, 0.1, 3, 300, 700, 2048, 1024},
    {"session-db", 0, 0, 50, 200, 50, 200, 2, 0.2, 9, 0.02, 0.5, 200, 300, 0, 0},
};

/* the 10 services with service-level metrics: the pods that are not document databases */
const int syn_service_pod[AW_SOCKSHOP_SERVICES] = {SYN_FRONT_END, SYN_CATALOGUE, SYN_CARTS,    SYN_ORDERS,
                                                   SYN_PAYMENT,   SYN_SHIPPING,  SYN_QUEUE_MASTER, SYN_RABBITMQ,
                                                   SYN_USER,      SYN_SESSION_DB};

#define C(p, par, s) {p, par, s}
const syn_endpoint_tree syn_endpoints[AW_EP_COUNT] = {
    /* GET / : the page and the session */
    {2, {C(SYN_FRONT_END, -1, 1), C(SYN_SESSION_DB, 0, 1)}},
    /* GET /catalogue */
    {4, {C(SYN_FRONT_END, -1, 1), C(SYN_SESSION_DB, 0, 1), C(SYN_CATALOGUE, 0, 1), C(SYN_CATALOGUE_DB, 2, 1)}},
    /* POST /register */
    {4, {C(SYN_FRONT_END, -1, 1), C(SYN_SESSION_DB, 0, 1), C(SYN_USER, 0, 1), C(SYN_USER_DB, 2, 1)}},
    /* GET /login */
    {4, {C(SYN_FRONT_END, -1, 1), C(SYN_SESSION_DB, 0, 1), C(SYN_USER, 0, 1), C(SYN_USER_DB, 2, 1)}},
    /* POST /cart: looks the item up, then adds it */
    {6,
     {C(SYN_FRONT_END, -1, 1), C(SYN_SESSION_DB, 0, 1), C(SYN_CATALOGUE, 0, 1), C(SYN_CATALOGUE_DB, 2, 1),
      C(SYN_CARTS, 0, 1), C(SYN_CARTS_DB, 4, 1)}},
    /* POST /orders: orders gathers user, address, cart, pays, ships (via the queue) */
    {12,
     {C(SYN_FRONT_END, -1, 1), C(SYN_SESSION_DB, 0, 1), C(SYN_ORDERS, 0, 1), C(SYN_USER, 2, 1), C(SYN_USER_DB, 3, 1),
      C(SYN_CARTS, 2, 1), C(SYN_CARTS_DB, 5, 1), C(SYN_ORDERS_DB, 2, 1), C(SYN_PAYMENT, 2, 1), C(SYN_SHIPPING, 2, 1),
      C(SYN_RABBITMQ, 9, 1), C(SYN_QUEUE_MASTER, 10, 0)}},
};
#undef C

static const char *const endpoint_names[AW_EP_COUNT] = {"home", "catalogue", "register", "login", "add_to_cart", "order"};

const char *aw_endpoint_name(aw_endpoint e) { return (unsigned)e < AW_EP_COUNT ? endpoint_names[e] : "unknown"; }

const char *aw_sockshop_pod_name(size_t pod) { return pod < AW_SOCKSHOP_PODS ? syn_pods[pod].name : NULL; }

size_t aw_sockshop_service_pod(size_t service) {
  return service < AW_SOCKSHOP_SERVICES ? (size_t)syn_service_pod[service] : 0;
}

void aw_topology_params_default(aw_topology_params *p) {
  memset(p, 0, sizeof *p);
  p->n_nodes = 5;
  /* node1: front-end, catalogue, session-db; node2: carts, carts-db, payment; node3: orders,
   * orders-db, shipping; node4: catalogue-db, queue-master, rabbitmq; node5: user, user-db */
  static const int place[AW_SOCKSHOP_PODS] = {0, 0, 3, 1, 1, 2, 2, 1, 2, 3, 3, 4, 4, 0};
  memcpy(p->placement, place, sizeof place);
  p->node_cpu_m = 2000;
  p->node_mem_mib = 7680;
}

void aw_user_rates(const aw_user_mix *mix, double users, double response_s, double rates[AW_EP_COUNT]) {
  for (int e = 0; e < AW_EP_COUNT; e++) rates[e] = 0;
  if (!(users > 0)) return;
  double v = mix->visitor_fraction, x = mix->new_fraction;
  double cycle = mix->think_time_s + (response_s > 0 ? response_s : 0);
  if (!(cycle > 0)) cycle = 1e-3;
  double per_user = 1.0 / cycle; /* requests per second of one user */
  double r = users * per_user;
  /* visitor: home, catalogue */
  rates[AW_EP_HOME] += r * v / 2;
  rates[AW_EP_CATALOGUE] += r * v / 2;
  /* new shopper: register, catalogue, add to cart, order; returning: login instead of register */
  double shop = r * (1 - v) / 4;
  rates[AW_EP_REGISTER] += shop * x;
  rates[AW_EP_LOGIN] += shop * (1 - x);
  rates[AW_EP_CATALOGUE] += shop;
  rates[AW_EP_ADD_TO_CART] += shop;
  rates[AW_EP_ORDER] += shop;
}

/* Kubernetes' "safe" alphabet for generated names (no vowels, no look-alikes). */
static const char k8s_alpha[] = "bcdfghjklmnpqrstvwxz2456789";

void syn_pod_hash(aw_rng *r, char out[12]) {
  size_t n = 9 + (size_t)aw_rng_below(r, 2); /* 9 or 10 characters, as in the FIS records */
  for (size_t i = 0; i < n; i++) out[i] = k8s_alpha[aw_rng_below(r, sizeof k8s_alpha - 1)];
  out[n] = '\0';
}

void syn_pod_suffix(aw_rng *r, char out[6]) {
  for (size_t i = 0; i < 5; i++) out[i] = k8s_alpha[aw_rng_below(r, sizeof k8s_alpha - 1)];
  out[5] = '\0';
}
