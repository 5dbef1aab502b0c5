package io.flowctl.server.registry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The times this process was not running, as sweeps that came late show them (a long GC, CPU
 * starvation, a suspended VM), so that a service is not blamed for silence the control plane itself
 * caused. Kept for two TTLs. Not thread-safe: the registry calls it under its lock.
 */
final class Pauses {
  private record Pause(Instant start, Instant end) {}

  private final Deque<Pause> pauses = new ArrayDeque<>();
  private final Duration sweepInterval; // null: sweeps come when the host calls
  private final Duration ttl;
  private Instant lastSweep;

  Pauses(Duration sweepInterval, Duration ttl) {
    this.sweepInterval = sweepInterval;
    this.ttl = ttl;
  }

  /** The least lateness of a sweep counted as a pause (scheduling jitter is far below it). */
  private Duration threshold() {
    Duration tenth = sweepInterval.dividedBy(10);
    return tenth.compareTo(Duration.ofMillis(100)) > 0 ? tenth : Duration.ofMillis(100);
  }

  /** A sweep ran at {@code now}: later than due means the process was paused in between. */
  void sweptAt(Instant now) {
    if (sweepInterval == null) {
      return; // lateness says nothing
    }
    if (lastSweep != null) {
      Instant due = lastSweep.plus(sweepInterval);
      if (Duration.between(due, now).compareTo(threshold()) > 0) {
        pauses.addLast(new Pause(due, now));
      }
    }
    lastSweep = now;
    // A pause older than two TTLs cannot matter: a live service has heartbeated since.
    Instant horizon = now.minus(ttl.multipliedBy(2));
    while (!pauses.isEmpty() && pauses.peekFirst().end().isBefore(horizon)) {
      pauses.removeFirst();
    }
  }

  /** How long since {@code since}, leaving out the pauses after it. */
  Duration silence(Instant since, Instant now) {
    Duration silent = Duration.between(since, now);
    for (Pause p : pauses) {
      Instant from = p.start().isAfter(since) ? p.start() : since;
      if (p.end().isAfter(from)) {
        silent = silent.minus(Duration.between(from, p.end()));
      }
    }
    return silent;
  }
}
