/* synth_logs.c - per-pod log lines from a template grammar, with the ground-truth template of
 * every line (variables written as <*>, as in Loghub's structured files), so a log parser can be
 * scored on them.
 *
 * A template is literal text with placeholders in braces:
 *   {int:a:b} integer   {float:a:b} 2 decimals   {ms} a duration drawn around the current mean
 *   latency (3 decimals)   {bytes:a:b}   {uuid}   {hex:n}   {oid} (24 hex)   {ip}   {port}
 *   {user}   {agent} (multi-token user agent)   {exc} (multi-token exception text)
 *   {pick:a|b|c} one of the alternatives   {inst} pod instance name   {node} node name
 *   {path} a file path   {thread} a worker thread name
 * Each placeholder is one <*> in the ground truth, also when its value has several tokens.
 * Normal templates are tied to an endpoint (or any) and drawn in proportion to the request mix;
 * error, slow-request and fault templates appear when the simulator says the conditions hold. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/math.h"
#include "aw/rng.h"
#include "aw/synth.h"
#include "internal/synth_internal.h"

void aw_log_params_default(aw_log_params *p) {
  memset(p, 0, sizeof *p);
  p->enabled = 1;
  p->sample = 0.005;
  p->background_per_min = 0.5;
}

typedef struct syn_tpl {
  int trigger;        /* enum syn_log_trigger */
  int arg;            /* REQUEST: endpoint or -1 (any); FAULT: fault kind */
  double weight;      /* REQUEST/ERROR/SLOW/BACKGROUND: relative; FAULT: lines per second */
  const char *level;
  const char *pattern;
} syn_tpl;

enum { R = SYN_LT_REQUEST, ER = SYN_LT_ERROR, SL = SYN_LT_SLOW, BG = SYN_LT_BACKGROUND, ST = SYN_LT_START,
       SP = SYN_LT_STOP, FT = SYN_LT_FAULT };
#define ANY (-1)

/* Node.js front end (morgan access log + express) */
static const syn_tpl t_front_end[] = {
    {R, AW_EP_HOME, 1, "INFO", "GET / 200 {ms} ms - {bytes:8000:8600}"},
    {R, AW_EP_CATALOGUE, 1, "INFO", "GET /catalogue?page={int:1:3}&size={int:3:9}&tags={pick:brown|blue|formal|sport|geek} 200 {ms} ms - {bytes:1500:4200}"},
    {R, AW_EP_CATALOGUE, 1, "INFO", "GET /catalogue/{uuid} 200 {ms} ms - {bytes:300:450}"},
    {R, AW_EP_REGISTER, 1, "INFO", "POST /register 200 {ms} ms - {bytes:40:60}"},
    {R, AW_EP_REGISTER, 1, "INFO", "Customer registered: {user} id {oid}"},
    {R, AW_EP_LOGIN, 1, "INFO", "GET /login 200 {ms} ms - {bytes:2:4}"},
    {R, AW_EP_LOGIN, 1, "INFO", "Logged in as {user} from {ip} with {agent}"},
    {R, AW_EP_ADD_TO_CART, 1, "INFO", "POST /cart 201 {ms} ms - {bytes:0:0}"},
    {R, AW_EP_ORDER, 1, "INFO", "POST /orders 201 {ms} ms - {bytes:700:900}"},
    {R, AW_EP_ORDER, 1, "INFO", "Order placed for customer {oid}: {int:1:6} items, total {float:10:120}"},
    {ER, ANY, 3, "ERROR", "Error with log in: {exc}"},
    {ER, ANY, 3, "ERROR", "GET /catalogue 500 {ms} ms - {bytes:20:90}"},
    {ER, ANY, 2, "ERROR", "POST /orders 500 {ms} ms - {bytes:20:90}"},
    {ER, ANY, 2, "ERROR", "Error: connect ECONNREFUSED {ip}:{port}"},
    {SL, ANY, 1, "WARN", "Slow response for {pick:GET /catalogue|POST /orders|POST /cart|GET /login}: {ms} ms"},
    {BG, ANY, 1, "INFO", "Session store: {int:10:400} active sessions"},
    {ST, ANY, 1, "INFO", "Using the redis based session manager"},
    {ST, ANY, 1, "INFO", "App now running in production mode on port {port}"},
    {SP, ANY, 1, "WARN", "Received SIGTERM, shutting down {inst}"},
};

/* Go services (go-kit logfmt) */
static const syn_tpl t_catalogue[] = {
    {R, ANY, 3, "INFO", "method=List tags={pick:brown|blue|formal|sport|geek|} order={pick:id|price|name} pageNum={int:1:3} pageSize={int:3:9} result={int:0:9} err=null took={ms}ms"},
    {R, ANY, 2, "INFO", "method=Get id={uuid} sock={pick:Holy|Crossed|Colourful|Figueroa|SuperSport XL|Nerd leg|YouTube.sock|Classic} err=null took={ms}ms"},
    {R, AW_EP_CATALOGUE, 1, "INFO", "method=Count tags={pick:brown|blue|formal|sport|geek|} result={int:1:9} err=null took={ms}ms"},
    {ER, ANY, 1, "ERROR", "method=Get id={uuid} sock=null err=\"database connection error: {exc}\" took={ms}ms"},
    {SL, ANY, 1, "WARN", "method=List slow query pageNum={int:1:3} took={ms}ms"},
    {BG, ANY, 1, "INFO", "transport=HTTP port={port} method=Health took={ms}ms"},
    {ST, ANY, 1, "INFO", "transport=HTTP port={port} starting catalogue service"},
    {SP, ANY, 1, "INFO", "exit=\"received signal terminated\" instance={inst}"},
};

static const syn_tpl t_db_mysql[] = {
    {R, ANY, 1, "INFO", "[Note] Query: SELECT sock.sock_id AS id, sock.name FROM sock WHERE sock.sock_id = {hex:8} took {ms} ms"},
    {R, ANY, 1, "INFO", "[Note] Query: SELECT count(*) FROM sock JOIN sock_tag ON sock.sock_id = sock_tag.sock_id rows {int:1:9}"},
    {ER, ANY, 1, "ERROR", "[Warning] Aborted connection {int:100:99999} to db: 'socksdb' user: 'catalogue_user' host: '{ip}' (Got an error reading communication packets)"},
    {SL, ANY, 1, "WARN", "[Warning] Slow query {ms} ms: SELECT * FROM sock LIMIT {int:3:9}"},
    {FT, AW_FAULT_IO_STRESS, 0.2, "WARN", "[Warning] InnoDB: page_cleaner: 1000ms intended loop took {int:1100:9000}ms. The settings might not be optimal."},
    {BG, ANY, 1, "INFO", "[Note] InnoDB: Buffer pool(s) load completed at {int:100:999}"},
    {ST, ANY, 1, "INFO", "[Note] mysqld: ready for connections. Version: '5.7.{int:10:40}'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306"},
    {SP, ANY, 1, "INFO", "[Note] mysqld: Normal shutdown"},
};

/* Spring Boot services */
static const syn_tpl t_carts[] = {
    {R, AW_EP_ADD_TO_CART, 2, "INFO", "[{thread}] w.c.ItemsController : Adding item {uuid} to cart {oid}"},
    {R, AW_EP_ORDER, 1, "INFO", "[{thread}] w.c.CartsController : Cart {oid} has {int:1:6} items, merged in {ms} ms"},
    {R, AW_EP_ORDER, 1, "INFO", "[{thread}] w.c.CartsController : Deleting cart for customer {oid}"},
    {ER, ANY, 1, "ERROR", "[{thread}] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Servlet.service() threw exception {exc}"},
    {SL, ANY, 1, "WARN", "[{thread}] w.c.ItemsController : Request took {ms} ms"},
    {FT, AW_FAULT_MEMORY_STRESS, 0.1, "WARN", "[{thread}] o.s.b.a.h.HealthIndicator : Free memory below threshold: {int:1:30} MB"},
    {BG, ANY, 1, "INFO", "[{thread}] o.s.d.m.core.MongoTemplate : Pool stats: {int:1:20} connections in use"},
    {ST, ANY, 1, "INFO", "[main] works.weave.socks.cart.CartApplication : Starting CartApplication on {inst} with PID {int:1:9}"},
    {ST, ANY, 1, "INFO", "[main] works.weave.socks.cart.CartApplication : Started CartApplication in {float:20:60} seconds (JVM running for {float:21:62})"},
    {SP, ANY, 1, "INFO", "[Thread-{int:2:9}] o.s.c.a.AnnotationConfigApplicationContext : Closing application context"},
};

static const syn_tpl t_db_mongo[] = {
    {R, ANY, 3, "INFO", "[conn{int:1:999}] command data.{pick:item|cart|customer|address|card|order} command: find { find: \"{pick:item|cart|customer|address|card|order}\", filter: { _id: ObjectId('{oid}') } } planSummary: IDHACK keysExamined:{int:0:1} docsExamined:{int:0:1} {int:0:5}ms"},
    {R, ANY, 1, "INFO", "[conn{int:1:999}] insert data.{pick:item|order|customer} ninserted:1 keysInserted:{int:1:3} {int:0:5}ms"},
    {ER, ANY, 1, "WARN", "[conn{int:1:999}] end connection {ip}:{port} ({int:1:60} connections now open)"},
    {SL, ANY, 1, "WARN", "[conn{int:1:999}] Slow query: command data.{pick:item|cart|order} find {ms}ms"},
    {FT, AW_FAULT_IO_STRESS, 0.3, "WARN", "[ftdc] serverStatus was very slow: {{ after basic: {int:100:900}, after storageEngine: {int:1000:9000} }}"},
    {BG, ANY, 2, "INFO", "[listener] connection accepted from {ip}:{port} #{int:1:9999} ({int:1:60} connections now open)"},
    {BG, ANY, 1, "INFO", "[WTCheckpointThread] WiredTiger message [{int:1000000:9999999}:{int:100000:999999}][1:{hex:12}], WT_SESSION.checkpoint: Checkpoint has been running for {int:1:30} seconds"},
    {ST, ANY, 1, "INFO", "[initandlisten] MongoDB starting : pid=1 port=27017 dbpath=/data/db 64-bit host={inst}"},
    {ST, ANY, 1, "INFO", "[initandlisten] waiting for connections on port 27017"},
    {SP, ANY, 1, "INFO", "[signalProcessingThread] got signal 15 (Terminated), will terminate after current cmd ends"},
};

static const syn_tpl t_orders[] = {
    {R, AW_EP_ORDER, 1, "INFO", "[{thread}] w.w.s.o.controllers.OrdersController : Order request received for customer {oid}"},
    {R, AW_EP_ORDER, 1, "INFO", "[{thread}] w.w.s.o.controllers.OrdersController : Received payment response: PaymentResponse{{authorised=true, message=Payment authorised}}"},
    {R, AW_EP_ORDER, 1, "INFO", "[{thread}] w.w.s.o.controllers.OrdersController : Order {oid} saved, total {float:10:120} took {ms} ms"},
    {ER, ANY, 2, "ERROR", "[{thread}] w.w.s.o.controllers.OrdersController : Unable to create order: {exc}"},
    {ER, ANY, 1, "ERROR", "[{thread}] w.w.s.o.services.AsyncGetService : GET {pick:http://user/customers|http://carts/carts|http://user/cards|http://user/addresses}/{oid} failed: {exc}"},
    {SL, ANY, 1, "WARN", "[{thread}] w.w.s.o.controllers.OrdersController : Order took {ms} ms"},
    {FT, AW_FAULT_MEMORY_STRESS, 0.1, "WARN", "[{thread}] o.s.b.a.h.HealthIndicator : Free memory below threshold: {int:1:30} MB"},
    {BG, ANY, 1, "INFO", "[{thread}] o.s.d.m.core.MongoTemplate : Pool stats: {int:1:20} connections in use"},
    {ST, ANY, 1, "INFO", "[main] works.weave.socks.orders.OrderApplication : Starting OrderApplication on {inst} with PID {int:1:9}"},
    {ST, ANY, 1, "INFO", "[main] works.weave.socks.orders.OrderApplication : Started OrderApplication in {float:20:60} seconds (JVM running for {float:21:62})"},
    {SP, ANY, 1, "INFO", "[Thread-{int:2:9}] o.s.c.a.AnnotationConfigApplicationContext : Closing application context"},
};

static const syn_tpl t_payment[] = {
    {R, ANY, 2, "INFO", "method=Authorise result=true took={ms}ms amount={float:10:120}"},
    {ER, ANY, 1, "ERROR", "method=Authorise result=false err=\"{exc}\" took={ms}ms"},
    {SL, ANY, 1, "WARN", "method=Authorise slow took={ms}ms"},
    {BG, ANY, 1, "INFO", "transport=HTTP port={port} method=Health took={ms}ms"},
    {ST, ANY, 1, "INFO", "transport=HTTP port={port} starting payment service, decline over {int:100:105}"},
    {SP, ANY, 1, "INFO", "exit=\"received signal terminated\" instance={inst}"},
};

static const syn_tpl t_shipping[] = {
    {R, ANY, 2, "INFO", "[{thread}] w.w.s.s.controllers.ShippingController : Adding shipment to queue: Shipment{{id='{uuid}', name='{oid}'}}"},
    {ER, ANY, 1, "ERROR", "[{thread}] w.w.s.s.controllers.ShippingController : Unable to add to queue: {exc}"},
    {SL, ANY, 1, "WARN", "[{thread}] w.w.s.s.controllers.ShippingController : Shipment took {ms} ms"},
    {FT, AW_FAULT_MEMORY_STRESS, 0.1, "WARN", "[{thread}] o.s.b.a.h.HealthIndicator : Free memory below threshold: {int:1:30} MB"},
    {BG, ANY, 1, "INFO", "[{thread}] o.s.a.r.c.CachingConnectionFactory : Channel cache: {int:1:25} channels"},
    {ST, ANY, 1, "INFO", "[main] works.weave.socks.shipping.ShippingServiceApplication : Started ShippingServiceApplication in {float:20:60} seconds (JVM running for {float:21:62})"},
    {SP, ANY, 1, "INFO", "[Thread-{int:2:9}] o.s.c.a.AnnotationConfigApplicationContext : Closing application context"},
};

static const syn_tpl t_queue_master[] = {
    {R, ANY, 2, "INFO", "[SimpleAsyncTaskExecutor-{int:1:9}] w.w.s.q.m.ShippingTaskHandler : Received shipment task: {uuid}"},
    {R, ANY, 1, "INFO", "[SimpleAsyncTaskExecutor-{int:1:9}] w.w.s.q.m.DockerSpawner : Spawning worker for shipment {uuid}"},
    {ER, ANY, 1, "ERROR", "[SimpleAsyncTaskExecutor-{int:1:9}] o.s.a.r.l.SimpleMessageListenerContainer : Consumer raised exception, processing can restart if the connection factory supports it. Exception summary: {exc}"},
    {SL, ANY, 1, "WARN", "[SimpleAsyncTaskExecutor-{int:1:9}] w.w.s.q.m.ShippingTaskHandler : Task took {ms} ms"},
    {BG, ANY, 1, "INFO", "[{thread}] o.s.a.r.c.CachingConnectionFactory : Channel cache: {int:1:25} channels"},
    {ST, ANY, 1, "INFO", "[main] works.weave.socks.queuemaster.QueueMasterApplication : Started QueueMasterApplication in {float:20:60} seconds (JVM running for {float:21:62})"},
    {SP, ANY, 1, "INFO", "[Thread-{int:2:9}] o.s.a.r.l.SimpleMessageListenerContainer : Waiting for workers to finish."},
};

static const syn_tpl t_rabbitmq[] = {
    {R, ANY, 1, "INFO", "accepting AMQP connection <0.{int:100:9999}.0> ({ip}:{port} -> {ip}:5672)"},
    {R, ANY, 1, "INFO", "closing AMQP connection <0.{int:100:9999}.0> ({ip}:{port} -> {ip}:5672, vhost: '/', user: 'guest')"},
    {ER, ANY, 1, "WARN", "closing AMQP connection <0.{int:100:9999}.0> ({ip}:{port} -> {ip}:5672): client unexpectedly closed TCP connection"},
    {FT, AW_FAULT_MEMORY_STRESS, 0.05, "WARN", "memory resource limit alarm set on node rabbit@{inst}. Publishers will be blocked until this alarm clears"},
    {BG, ANY, 1, "INFO", "Free disk space is {int:10000000:99999999} bytes, limit is 50000000"},
    {ST, ANY, 1, "INFO", "Starting RabbitMQ 3.{int:6:9}.{int:1:20} on Erlang {int:20:26}.{int:0:3}"},
    {ST, ANY, 1, "INFO", "Server startup complete; {int:0:5} plugins started."},
    {SP, ANY, 1, "INFO", "RabbitMQ is asked to stop..."},
};

static const syn_tpl t_user[] = {
    {R, AW_EP_LOGIN, 2, "INFO", "method=Login username={user} took={ms}ms"},
    {R, AW_EP_REGISTER, 2, "INFO", "method=Register username={user} email={user}@example.com took={ms}ms"},
    {R, AW_EP_ORDER, 1, "INFO", "method=GetUsers id={oid} result=1 err=null took={ms}ms"},
    {R, AW_EP_ORDER, 1, "INFO", "method=GetAddresses id={oid} result={int:1:3} err=null took={ms}ms"},
    {ER, ANY, 1, "ERROR", "method=Login username={user} err=\"{exc}\" took={ms}ms"},
    {SL, ANY, 1, "WARN", "method=GetUsers slow took={ms}ms"},
    {BG, ANY, 1, "INFO", "transport=HTTP port={port} method=Health took={ms}ms"},
    {ST, ANY, 1, "INFO", "transport=HTTP port={port} starting user service"},
    {SP, ANY, 1, "INFO", "exit=\"received signal terminated\" instance={inst}"},
};

static const syn_tpl t_session_db[] = {
    {R, ANY, 1, "INFO", "1:M {int:1:28} May 2024 {int:10:23}:{int:10:59}:{int:10:59}.{int:100:999} * {int:1:100} changes in {int:60:300} seconds. Saving..."},
    {ER, ANY, 1, "WARN", "1:M {int:1:28} May 2024 {int:10:23}:{int:10:59}:{int:10:59}.{int:100:999} # Connection with replica {ip}:{port} lost."},
    {FT, AW_FAULT_MEMORY_STRESS, 0.05, "WARN", "1:M {int:1:28} May 2024 {int:10:23}:{int:10:59}:{int:10:59}.{int:100:999} # WARNING: memory usage above {int:80:99}% of maxmemory"},
    {BG, ANY, 2, "INFO", "1:M {int:1:28} May 2024 {int:10:23}:{int:10:59}:{int:10:59}.{int:100:999} * Background saving started by pid {int:10:9999}"},
    {BG, ANY, 1, "INFO", "1:M {int:1:28} May 2024 {int:10:23}:{int:10:59}:{int:10:59}.{int:100:999} * DB saved on disk"},
    {ST, ANY, 1, "INFO", "1:M {int:1:28} May 2024 {int:10:23}:{int:10:59}:{int:10:59}.{int:100:999} * Ready to accept connections"},
    {SP, ANY, 1, "INFO", "1:signal-handler ({int:1000000000:1999999999}) Received SIGTERM scheduling shutdown..."},
};

/* DAM's single service (an order service with its business rules) */
static const syn_tpl t_dam[] = {
    {R, ANY, 4, "INFO", "Order {oid} created for customer {user} with {int:1:6} items, total {float:10:300}"},
    {R, ANY, 3, "INFO", "GET /api/orders/{oid} 200 {ms} ms"},
    {R, ANY, 2, "INFO", "Inventory reserved for order {oid}: sku {hex:8} x{int:1:5}"},
    {R, ANY, 1, "INFO", "Payment authorised for order {oid}: {float:10:300} via {pick:visa|mastercard|paypal}"},
    {ER, ANY, 1, "ERROR", "Request {uuid} failed: {exc}"},
    {SL, ANY, 1, "WARN", "Slow request GET /api/orders/{oid}: {ms} ms"},
    {FT, AW_DAM_THREAD_DEADLOCK, 0.6, "WARN", "Thread {thread} blocked for {int:2000:60000} ms waiting on lock <0x{hex:12}> held by {thread}"},
    {FT, AW_DAM_THREAD_DEADLOCK, 0.4, "ERROR", "Request {uuid} timed out after {int:5000:30000} ms"},
    {FT, AW_DAM_NETWORK_ABORT, 1.0, "ERROR", "Connection reset by peer while writing response to {ip}:{port}"},
    {FT, AW_DAM_NETWORK_ABORT, 0.5, "ERROR", "java.io.IOException: Broken pipe (Write failed) on channel {hex:8}"},
    {FT, AW_DAM_BUSINESS_FAULT, 1.2, "ERROR", "Order {oid} rejected: {pick:payment declined by provider|stock of sku below zero|price mismatch for sku|coupon already used} ({hex:8})"},
    {FT, AW_DAM_BUSINESS_FAULT, 0.5, "WARN", "Business rule {pick:R-101|R-207|R-311} violated for customer {user}: order total {float:-50:0}"},
    {FT, AW_DAM_MEMORY_CONTENTION, 0.05, "WARN", "GC pause (G1 Evacuation Pause) {int:200:2000} ms"},
    {BG, ANY, 1, "INFO", "Health check OK: {int:1:64} threads, heap {int:100:900} MB"},
    {ST, ANY, 1, "INFO", "Order service started on {inst} in {float:5:20} seconds"},
    {SP, ANY, 1, "INFO", "Order service stopping: received SIGTERM"},
};

typedef struct tpl_table {
  const syn_tpl *t;
  size_t n;
} tpl_table;

#define TBL(x) {x, sizeof x / sizeof x[0]}
static const tpl_table tables[SYN_LOG_SOURCES] = {
    TBL(t_front_end), TBL(t_catalogue), TBL(t_db_mysql), TBL(t_carts),  TBL(t_db_mongo),
    TBL(t_orders),    TBL(t_db_mongo),  TBL(t_payment),  TBL(t_shipping), TBL(t_queue_master),
    TBL(t_rabbitmq),  TBL(t_user),      TBL(t_db_mongo), TBL(t_session_db), TBL(t_dam)};
#undef TBL

#define MAX_TEMPLATE_TEXT 512

/* Ground truth: every placeholder becomes <*>; "{{" and "}}" are literal braces. */
static void to_template(const char *pat, char *out, size_t cap) {
  size_t j = 0;
  for (const char *p = pat; *p && j + 4 < cap;) {
    if (p[0] == '{' && p[1] == '{') {
      out[j++] = '{';
      p += 2;
    } else if (p[0] == '}' && p[1] == '}') {
      out[j++] = '}';
      p += 2;
    } else if (*p == '{') {
      const char *e = strchr(p, '}');
      if (!e) break;
      memcpy(out + j, "<*>", 3);
      j += 3;
      p = e + 1;
    } else {
      out[j++] = *p++;
    }
  }
  out[j] = '\0';
}

size_t aw_log_template_count(size_t pod) { return pod < AW_SOCKSHOP_PODS ? tables[pod].n : 0; }
size_t aw_dam_log_template_count(void) { return tables[SYN_LOG_DAM].n; }

static const char *const event_ids[] = {"E1",  "E2",  "E3",  "E4",  "E5",  "E6",  "E7",  "E8",  "E9",  "E10",
                                        "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E18", "E19", "E20",
                                        "E21", "E22", "E23", "E24", "E25", "E26", "E27", "E28", "E29", "E30"};

const char *aw_log_template_event(size_t pod, size_t i) {
  return pod < AW_SOCKSHOP_PODS && i < tables[pod].n && i < 30 ? event_ids[i] : NULL;
}
const char *aw_dam_log_template_event(size_t i) { return i < tables[SYN_LOG_DAM].n && i < 30 ? event_ids[i] : NULL; }

/* A pattern compiled once per logger: literal runs and typed placeholders. */
enum tok_kind { TK_END = 0, TK_LIT, TK_INT, TK_FLOAT, TK_MS, TK_UUID, TK_HEX, TK_OID, TK_IP, TK_PORT, TK_USER,
                TK_AGENT, TK_EXC, TK_THREAD, TK_PICK, TK_INST, TK_NODE, TK_PATH, TK_UNKNOWN };
#define MAX_TOKENS 40
struct tok {
  int kind;
  const char *p; /* literal text or the alternatives of a pick ("a|b|c") */
  size_t n;
  long a, b;     /* int/float bounds, hex length, number of pick alternatives */
};

struct syn_logger {
  size_t source;
  const tpl_table *tab;
  double sample, bg_rate;
  aw_rng r;
  aw_log_fn fn;
  void *ud;
  uint64_t lines;
  char (*gt)[MAX_TEMPLATE_TEXT]; /* ground-truth texts of the source's templates */
  struct tok (*tok)[MAX_TOKENS];  /* compiled patterns */
  aw_buf line;
};

static size_t render_template(size_t source, size_t i, char *buf, size_t cap) {
  if (source >= SYN_LOG_SOURCES || i >= tables[source].n || !buf || cap == 0) return 0;
  to_template(tables[source].t[i].pattern, buf, cap);
  return strlen(buf);
}

size_t aw_log_template_text(size_t pod, size_t i, char *buf, size_t cap) {
  return pod < AW_SOCKSHOP_PODS ? render_template(pod, i, buf, cap) : 0;
}
size_t aw_dam_log_template_text(size_t i, char *buf, size_t cap) { return render_template(SYN_LOG_DAM, i, buf, cap); }

/* Compiles a pattern; "{{" and "}}" stay literal braces (emitted by skipping one character). */
static void compile(const char *pat, struct tok *t) {
  size_t n = 0;
  const char *p = pat;
  while (*p && n + 1 < MAX_TOKENS) {
    if (p[0] == '{' && p[1] == '{') {
      t[n++] = (struct tok){TK_LIT, p, 1, 0, 0};
      p += 2;
      continue;
    }
    if (p[0] == '}' && p[1] == '}') {
      t[n++] = (struct tok){TK_LIT, p, 1, 0, 0};
      p += 2;
      continue;
    }
    if (*p != '{') {
      const char *q = p;
      while (*q && *q != '{' && !(q[0] == '}' && q[1] == '}')) q++;
      t[n++] = (struct tok){TK_LIT, p, (size_t)(q - p), 0, 0};
      p = q;
      continue;
    }
    const char *e = strchr(p, '}');
    if (!e) break;
    const char *sp = p + 1;
    size_t sn = (size_t)(e - sp);
    struct tok k = {TK_UNKNOWN, NULL, 0, 0, 0};
#define IS(w) (sn == sizeof(w) - 1 && memcmp(sp, w, sn) == 0)
#define STARTS(w) (sn > sizeof(w) - 1 && memcmp(sp, w, sizeof(w) - 1) == 0)
    if (STARTS("int:") || STARTS("bytes:") || STARTS("float:")) {
      const char *c = memchr(sp, ':', sn);
      char *end = NULL;
      k.kind = sp[0] == 'f' ? TK_FLOAT : TK_INT;
      k.a = strtol(c + 1, &end, 10);
      k.b = end && *end == ':' ? strtol(end + 1, NULL, 10) : k.a;
    } else if (STARTS("hex:")) {
      k.kind = TK_HEX;
      k.a = strtol(sp + 4, NULL, 10);
    } else if (STARTS("pick:")) {
      k.kind = TK_PICK;
      k.p = sp + 5;
      k.n = sn - 5;
      k.a = 1;
      for (size_t i = 0; i < k.n; i++) k.a += k.p[i] == '|';
    } else if (IS("ms")) k.kind = TK_MS;
    else if (IS("uuid")) k.kind = TK_UUID;
    else if (IS("oid")) k.kind = TK_OID;
    else if (IS("ip")) k.kind = TK_IP;
    else if (IS("port")) k.kind = TK_PORT;
    else if (IS("user")) k.kind = TK_USER;
    else if (IS("agent")) k.kind = TK_AGENT;
    else if (IS("exc")) k.kind = TK_EXC;
    else if (IS("thread")) k.kind = TK_THREAD;
    else if (IS("inst")) k.kind = TK_INST;
    else if (IS("node")) k.kind = TK_NODE;
    else if (IS("path")) k.kind = TK_PATH;
#undef IS
#undef STARTS
    t[n++] = k;
    p = e + 1;
  }
  t[n].kind = TK_END;
}

syn_logger *syn_logger_new(size_t source, double sample, double background_per_min, uint64_t seed, aw_log_fn fn,
                           void *ud) {
  if (source >= SYN_LOG_SOURCES || !fn) return NULL;
  syn_logger *lg = AW_CALLOC(1, sizeof *lg);
  if (!lg) return NULL;
  lg->source = source;
  lg->tab = &tables[source];
  lg->sample = sample;
  lg->bg_rate = background_per_min / 60.0;
  lg->fn = fn;
  lg->ud = ud;
  aw_rng_seed_stream(&lg->r, seed, SYN_STREAM("logs") + source);
  lg->gt = aw_calloc_array(lg->tab->n, sizeof *lg->gt);
  lg->tok = aw_calloc_array(lg->tab->n, sizeof *lg->tok);
  if (!lg->gt || !lg->tok) {
    AW_FREE(lg->gt);
    AW_FREE(lg->tok);
    AW_FREE(lg);
    return NULL;
  }
  for (size_t i = 0; i < lg->tab->n; i++) {
    to_template(lg->tab->t[i].pattern, lg->gt[i], MAX_TEMPLATE_TEXT);
    compile(lg->tab->t[i].pattern, lg->tok[i]);
  }
  return lg;
}

void syn_logger_free(syn_logger *lg) {
  if (!lg) return;
  AW_FREE(lg->gt);
  AW_FREE(lg->tok);
  aw_buf_free(&lg->line);
  AW_FREE(lg);
}

uint64_t syn_logger_lines(const syn_logger *lg) { return lg ? lg->lines : 0; }

static const char *const users[] = {"user",   "Eve_Berger", "jdoe",   "mallory", "alice42", "bob.smith",
                                    "carol_w", "dave99",    "erin.k", "frank",   "grace_h", "heidi"};
static const char *const agents[] = {"Locust/2.15.1 python-requests/2.31.0", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
                                     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15", "curl/8.4.0"};
static const char *const excs[] = {"java.net.SocketTimeoutException: Read timed out",
                                   "java.net.ConnectException: Connection refused (Connection refused)",
                                   "org.springframework.web.client.ResourceAccessException: I/O error on GET request",
                                   "dial tcp: i/o timeout", "context deadline exceeded",
                                   "com.mongodb.MongoSocketReadException: Prematurely reached end of stream",
                                   "Error: socket hang up", "ECONNRESET"};
static const char *const threads[] = {"http-nio-80-exec-1", "http-nio-80-exec-2", "http-nio-80-exec-5",
                                      "http-nio-80-exec-7", "http-nio-80-exec-10", "task-scheduler-1", "pool-2-thread-1"};

static aw_status put_uint(aw_buf *b, uint64_t v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  char o[24];
  for (size_t i = 0; i < n; i++) o[i] = tmp[n - 1 - i];
  return aw_buf_append(b, o, n);
}

static aw_status put_hex(aw_buf *b, aw_rng *r, size_t n) {
  static const char hx[] = "0123456789abcdef";
  char o[64];
  if (n > sizeof o) n = sizeof o;
  for (size_t i = 0; i < n; i++) o[i] = hx[aw_rng_below(r, 16)];
  return aw_buf_append(b, o, n);
}

static aw_status put_fixed(aw_buf *b, double x, int decimals) {
  char tmp[48];
  int n = snprintf(tmp, sizeof tmp, "%.*f", decimals, x);
  return aw_buf_append(b, tmp, n > 0 ? (size_t)n : 0);
}

/* Renders one line: "<date> <clock> <LEVEL> <content>". */
static aw_status render(syn_logger *lg, size_t ti, const syn_log_state *s, double when, aw_error *err) {
  const syn_tpl *tp = &lg->tab->t[ti];
  aw_rng *r = &lg->r;
  aw_buf *b = &lg->line;
  b->len = 0;
  char date[16], clock[16];
  syn_fmt_date_clock(when, date, clock);
  size_t date_len = strlen(date), clock_len = strlen(clock), level_len = strlen(tp->level);
  aw_status st = aw_buf_printf(b, "%s %s %s ", date, clock, tp->level);
  size_t content_off = b->len;
  for (const struct tok *k = lg->tok[ti]; k->kind != TK_END && !st; k++) {
    switch (k->kind) {
      case TK_LIT: st = aw_buf_append(b, k->p, k->n); break;
      case TK_INT: st = put_uint(b, (uint64_t)(k->a + (long)aw_rng_below(r, (uint64_t)(k->b - k->a + 1)))); break;
      case TK_FLOAT: st = put_fixed(b, aw_rng_uniform_range(r, (double)k->a, (double)k->b), 2); break;
      case TK_MS: {
        double m = s->mean_ms > 0 ? s->mean_ms : 5;
        st = put_fixed(b, -m * aw_log(1 - aw_rng_uniform(r)) + 0.05, 3);
        break;
      }
      case TK_UUID:
        st = put_hex(b, r, 8);
        if (!st) st = aw_buf_putc(b, '-');
        if (!st) st = put_hex(b, r, 4);
        if (!st) st = aw_buf_putc(b, '-');
        if (!st) st = put_hex(b, r, 4);
        if (!st) st = aw_buf_putc(b, '-');
        if (!st) st = put_hex(b, r, 4);
        if (!st) st = aw_buf_putc(b, '-');
        if (!st) st = put_hex(b, r, 12);
        break;
      case TK_HEX: st = put_hex(b, r, (size_t)k->a); break;
      case TK_OID: st = put_hex(b, r, 24); break;
      case TK_IP: {
        st = SYN_LIT(b, "10.0.");
        if (!st) st = put_uint(b, aw_rng_below(r, 4));
        if (!st) st = aw_buf_putc(b, '.');
        if (!st) st = put_uint(b, 1 + aw_rng_below(r, 254));
        break;
      }
      case TK_PORT: st = put_uint(b, 1024 + aw_rng_below(r, 64511)); break;
      case TK_USER: {
        const char *u = users[aw_rng_below(r, sizeof users / sizeof users[0])];
        st = aw_buf_append(b, u, strlen(u));
        break;
      }
      case TK_AGENT: {
        const char *u = agents[aw_rng_below(r, sizeof agents / sizeof agents[0])];
        st = aw_buf_append(b, u, strlen(u));
        break;
      }
      case TK_EXC: {
        const char *u = excs[aw_rng_below(r, sizeof excs / sizeof excs[0])];
        st = aw_buf_append(b, u, strlen(u));
        break;
      }
      case TK_THREAD: {
        const char *u = threads[aw_rng_below(r, sizeof threads / sizeof threads[0])];
        st = aw_buf_append(b, u, strlen(u));
        break;
      }
      case TK_PICK: {
        size_t want = (size_t)aw_rng_below(r, (uint64_t)k->a), i = 0;
        const char *q = k->p, *end = k->p + k->n;
        while (i < want) {
          const char *bar = memchr(q, '|', (size_t)(end - q));
          q = bar + 1;
          i++;
        }
        const char *bar = memchr(q, '|', (size_t)(end - q));
        size_t len = bar ? (size_t)(bar - q) : (size_t)(end - q);
        /* an empty alternative still has to be one token for the ground truth: write "-" */
        st = len ? aw_buf_append(b, q, len) : aw_buf_putc(b, '-');
        break;
      }
      case TK_INST: {
        const char *u = s->instance ? s->instance : "service";
        st = aw_buf_append(b, u, strlen(u));
        break;
      }
      case TK_NODE: {
        const char *u = s->node ? s->node : "node1";
        st = aw_buf_append(b, u, strlen(u));
        break;
      }
      case TK_PATH:
        st = SYN_LIT(b, "/tmp/");
        if (!st) st = put_hex(b, r, 10);
        break;
      default: st = aw_buf_putc(b, '?'); break;
    }
  }
  if (!st) st = aw_buf_terminate(b);
  if (st) return aw_error_set(err, st, "out of memory rendering a log line");
  /* split views into the line for the callback: date, clock, level, content (NUL-terminated
   * copies in a small side buffer, the line itself stays whole) */
  char parts[80];
  memcpy(parts, date, date_len + 1);
  memcpy(parts + 16, clock, clock_len + 1);
  memcpy(parts + 32, tp->level, level_len + 1);
  aw_log_line ll;
  ll.source = lg->source == SYN_LOG_DAM ? 0 : lg->source;
  ll.time = when;
  ll.line = b->data;
  ll.line_len = b->len;
  ll.date = parts;
  ll.clock = parts + 16;
  ll.level = parts + 32;
  ll.content = b->data + content_off;
  ll.event = event_ids[ti < 30 ? ti : 29];
  ll.template_text = lg->gt[ti];
  lg->lines++;
  return lg->fn(lg->ud, &ll, err);
}

typedef struct pending {
  double when;
  size_t ti;
} pending;

static int cmp_pending(const void *a, const void *b) {
  const pending *x = a, *y = b;
  if (x->when != y->when) return x->when < y->when ? -1 : 1;
  return (x->ti > y->ti) - (x->ti < y->ti);
}

#define MAX_LINES_PER_SECOND 256

/* Weighted choice among the templates with this trigger (and endpoint, for requests). */
static long choose(syn_logger *lg, int trigger, int arg) {
  double tot = 0;
  for (size_t i = 0; i < lg->tab->n; i++) {
    const syn_tpl *t = &lg->tab->t[i];
    if (t->trigger == trigger && (trigger != SYN_LT_REQUEST || t->arg == ANY || t->arg == arg)) tot += t->weight;
  }
  if (!(tot > 0)) return -1;
  double u = aw_rng_uniform(&lg->r) * tot, acc = 0;
  long last = -1;
  for (size_t i = 0; i < lg->tab->n; i++) {
    const syn_tpl *t = &lg->tab->t[i];
    if (t->trigger == trigger && (trigger != SYN_LT_REQUEST || t->arg == ANY || t->arg == arg)) {
      acc += t->weight;
      last = (long)i;
      if (u < acc) return (long)i;
    }
  }
  return last;
}

aw_status syn_logger_second(syn_logger *lg, const syn_log_state *s, aw_error *err) {
  pending pl[MAX_LINES_PER_SECOND];
  size_t np = 0;
  aw_rng *r = &lg->r;
  double vol = s->volume > 0 ? s->volume : 1;
  /* normal request lines, endpoint by request share */
  double tot = 0;
  for (int e = 0; e < AW_EP_COUNT; e++) tot += s->ep_rate[e];
  uint64_t n = syn_poisson(r, tot * lg->sample * vol);
  for (uint64_t i = 0; i < n && np < MAX_LINES_PER_SECOND; i++) {
    double u = aw_rng_uniform(r) * tot, acc = 0;
    int e = 0;
    for (e = 0; e < AW_EP_COUNT - 1; e++) {
      acc += s->ep_rate[e];
      if (u < acc) break;
    }
    long ti = choose(lg, SYN_LT_REQUEST, e);
    if (ti >= 0) pl[np++] = (pending){s->t + aw_rng_uniform(r), (size_t)ti};
  }
  /* errors are always logged; slow requests at ten times the sampling rate */
  n = syn_poisson(r, s->fail_rate);
  for (uint64_t i = 0; i < n && np < MAX_LINES_PER_SECOND; i++) {
    long ti = choose(lg, SYN_LT_ERROR, ANY);
    if (ti >= 0) pl[np++] = (pending){s->t + aw_rng_uniform(r), (size_t)ti};
  }
  double slow_p = lg->sample * 10 > 1 ? 1 : lg->sample * 10;
  n = syn_poisson(r, s->slow_rate * slow_p);
  for (uint64_t i = 0; i < n && np < MAX_LINES_PER_SECOND; i++) {
    long ti = choose(lg, SYN_LT_SLOW, ANY);
    if (ti >= 0) pl[np++] = (pending){s->t + aw_rng_uniform(r), (size_t)ti};
  }
  /* fault-specific lines */
  if (s->fault_mask)
    for (size_t i = 0; i < lg->tab->n; i++) {
      const syn_tpl *t = &lg->tab->t[i];
      if (t->trigger != SYN_LT_FAULT || t->arg < 0 || !(s->fault_mask & (1u << t->arg))) continue;
      n = syn_poisson(r, t->weight);
      for (uint64_t k = 0; k < n && np < MAX_LINES_PER_SECOND; k++) pl[np++] = (pending){s->t + aw_rng_uniform(r), i};
    }
  n = syn_poisson(r, lg->bg_rate);
  for (uint64_t i = 0; i < n && np < MAX_LINES_PER_SECOND; i++) {
    long ti = choose(lg, SYN_LT_BACKGROUND, ANY);
    if (ti >= 0) pl[np++] = (pending){s->t + aw_rng_uniform(r), (size_t)ti};
  }
  if (np > 1) qsort(pl, np, sizeof *pl, cmp_pending);
  aw_status st = AW_OK;
  for (size_t i = 0; i < np && !st; i++) st = render(lg, pl[i].ti, s, floor(pl[i].when * 1000) / 1000, err);
  return st;
}

aw_status syn_logger_event(syn_logger *lg, const syn_log_state *s, int trigger, aw_error *err) {
  aw_status st = AW_OK;
  double when = s->t;
  for (size_t i = 0; i < lg->tab->n && !st; i++) {
    if (lg->tab->t[i].trigger != trigger) continue;
    st = render(lg, i, s, floor(when * 1000) / 1000, err);
    when += 0.05 + 0.5 * aw_rng_uniform(&lg->r);
  }
  return st;
}
