package io.flowctl.client.stream.internal;

import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.schema.IncompatibleSchemaException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * The events a component refused of its input, never silent: each is counted; each cause is logged
 * at WARN the first time and then at most every {@value #LOG_EVERY_SECONDS} s, with its running
 * count (not once per event); and the component's health turns DEGRADED with the first cause as its
 * message, back to HEALTHY once it has refused nothing for {@value #CLEAR_AFTER_SECONDS} s.
 * Thread-safe.
 */
final class Refusals {
  static final long LOG_EVERY_SECONDS = 10;
  static final long CLEAR_AFTER_SECONDS = 60;
  private static final int MAX_CAUSES = 32;

  private final String who;
  private final ComponentHealth health;
  private final Logger log;
  private final AtomicLong count = new AtomicLong();
  private final Map<String, Cause> causes = new ConcurrentHashMap<>();
  private volatile String first = "";
  private volatile long lastRefusal;
  private volatile boolean degradedHere;

  private static final class Cause {
    final AtomicLong count = new AtomicLong();
    volatile long lastLogged;
  }

  /**
   * @param who the component, as messages name it ("processor 'totals'")
   */
  Refusals(String who, ComponentHealth health, Logger log) {
    this.who = who;
    this.health = health;
    this.log = log;
  }

  /** Events refused so far. */
  long count() {
    return count.get();
  }

  /** The first cause, as one line; empty before any. */
  String firstCause() {
    return first;
  }

  /**
   * One refused event: counted, logged per cause, and the health says so.
   *
   * @param what the event, as messages name it ("event '42'")
   */
  void refused(String what, Throwable error) {
    long n = count.incrementAndGet();
    String reason = reason(error);
    if (first.isEmpty()) {
      synchronized (this) {
        if (first.isEmpty()) {
          first = reason;
        }
      }
    }
    String key = causes.size() >= MAX_CAUSES && !causes.containsKey(reason) ? "other" : reason;
    Cause c = causes.computeIfAbsent(key, k -> new Cause());
    long k = c.count.incrementAndGet();
    long now = System.nanoTime();
    boolean logIt;
    synchronized (c) {
      logIt = k == 1 || now - c.lastLogged >= TimeUnit.SECONDS.toNanos(LOG_EVERY_SECONDS);
      if (logIt) {
        c.lastLogged = now;
      }
    }
    if (logIt) {
      log.warn("{} refused {}: {} ({} refused for this cause, {} in all)", who, what, reason, k, n);
    }
    lastRefusal = now;
    HealthStatus s = health.status();
    if (s == HealthStatus.HEALTH_STATUS_HEALTHY
        || (degradedHere && s == HealthStatus.HEALTH_STATUS_DEGRADED)) {
      degradedHere = true;
      health.set(
          HealthStatus.HEALTH_STATUS_DEGRADED,
          who + " refused " + n + (n == 1 ? " event: " : " events: ") + first);
    }
  }

  /** An event it handled: clears the DEGRADED it set once refusals stopped for a while. */
  void handled() {
    if (degradedHere
        && System.nanoTime() - lastRefusal >= TimeUnit.SECONDS.toNanos(CLEAR_AFTER_SECONDS)) {
      synchronized (this) {
        if (degradedHere && health.status() == HealthStatus.HEALTH_STATUS_DEGRADED) {
          health.set(HealthStatus.HEALTH_STATUS_HEALTHY, "serving");
        }
        degradedHere = false;
      }
    }
  }

  /** A refusal's cause as one line: a schema refusal's changes, else the error's message. */
  static String reason(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof IncompatibleSchemaException e) {
        return e.changes();
      }
    }
    String m = error.getMessage();
    return (m == null ? error.getClass().getSimpleName() : m).replaceAll("[\\r\\n]+", " ");
  }
}
