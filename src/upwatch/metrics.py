"""Prometheus metrics of the engine and the API, exposed at /metrics."""

from prometheus_client import Counter, Gauge, Histogram

CHECKS_RUN = Counter(
    "upwatch_checks_total", "Checks run, by kind and outcome.", ["kind", "outcome"]
)
CHECKS_FAILED = Counter(
    "upwatch_checks_failed_total", "Checks that found the target down.", ["kind"]
)
SCHEDULING_LATENESS = Histogram(
    "upwatch_scheduling_lateness_seconds",
    "How long after its scheduled time a check started.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
IN_FLIGHT_PROBES = Gauge("upwatch_in_flight_probes", "Probes running now.")
OPEN_INCIDENTS = Gauge("upwatch_open_incidents", "Incidents not yet resolved.")
CHECKS_DISPATCHED = Counter("upwatch_checks_dispatched_total", "Checks handed to runners.")
RESULTS_WRITTEN = Counter("upwatch_results_written_total", "Check results written to the store.")
PINGS_RECEIVED = Counter("upwatch_pings_total", "Heartbeat pings accepted, by kind.", ["kind"])
STORE_WRITE_ERRORS = Counter(
    "upwatch_store_write_errors_total", "Failed bulk writes, retried later.", ["writer"]
)
ITEMS_REJECTED = Counter(
    "upwatch_store_items_rejected_total",
    "Items a bulk write rejected for good (a row the database refuses), logged and dropped.",
    ["writer"],
)
STATUS_CHANGES = Counter(
    "upwatch_status_changes_total", "Monitor status changes, by new status.", ["status"]
)
DEAD_LETTERED = Counter(
    "upwatch_dead_lettered_total", "Messages moved to a dead-letter queue, by queue.", ["queue"]
)
QUEUE_DEPTH = Gauge("upwatch_queue_depth", "Messages waiting in a broker queue.", ["queue"])
QUEUE_OLDEST_AGE = Gauge(
    "upwatch_queue_oldest_message_age_seconds",
    "Age of the oldest waiting message, where the broker can tell.",
    ["queue"],
)
SCHEDULER_LEADER = Gauge("upwatch_scheduler_leader", "1 while this scheduler leads, else 0.")
