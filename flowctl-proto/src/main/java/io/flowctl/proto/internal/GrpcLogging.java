package io.flowctl.proto.internal;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * gRPC's own log, made safe to expose to any client. grpc-java logs through {@code
 * java.util.logging}, and logs every call it refuses for its input (a message over the size limit,
 * bytes that are no protobuf message) as a WARNING or SEVERE with a whole stack trace: a client
 * could fill a disk with a few requests. {@link #install()} sends the {@code io.grpc} loggers (gRPC
 * and its shaded Netty) to SLF4J, like the rest of the library, and turns each such refusal into
 * one line without a stack trace, at most one per status code every {@link #WINDOW_SECONDS} seconds
 * with the count of those held back. The caller already got the status.
 *
 * <p>Set the system property {@code flowctl.grpc.logging=jul} to leave gRPC's logging alone.
 */
public final class GrpcLogging {
  /** The shortest time between two lines about refusals with the same status code. */
  public static final long WINDOW_SECONDS = 10;

  private static final Logger REFUSED = LoggerFactory.getLogger("io.flowctl.grpc.refused");
  private static final AtomicBoolean INSTALLED = new AtomicBoolean();
  private static final Map<Status.Code, Window> WINDOWS = new ConcurrentHashMap<>();
  // java.util.logging holds loggers weakly: this keeps the configured one.
  private static java.util.logging.Logger grpcRoot;

  private GrpcLogging() {}

  /** Idempotent; the library's servers call it when they start. */
  public static void install() {
    if ("jul".equals(System.getProperty("flowctl.grpc.logging"))
        || !INSTALLED.compareAndSet(false, true)) {
      return;
    }
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("io.grpc");
    // SLF4J's bridge does not consult a handler's filter: the refusals are taken out before it.
    Handler bridge =
        new SLF4JBridgeHandler() {
          @Override
          public void publish(LogRecord record) {
            if (record != null && keep(record)) {
              super.publish(record);
            }
          }
        };
    root.addHandler(bridge);
    root.setUseParentHandlers(false);
    grpcRoot = root;
  }

  /** False for a record about a call refused for its input: that becomes one counted line. */
  static boolean keep(LogRecord record) {
    Status status = refusal(record.getThrown());
    if (status == null) {
      return true;
    }
    refused(status);
    return false;
  }

  /** The status of a call's refusal somewhere in {@code t}'s causes, or null. */
  private static Status refusal(Throwable t) {
    for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return s.getStatus();
      }
      if (t instanceof StatusException s) {
        return s.getStatus();
      }
    }
    return null;
  }

  /**
   * Reports a refused call: the first of its status code logs one WARN line at once, later ones
   * within {@link #WINDOW_SECONDS} are counted into the next line.
   */
  public static void refused(Status status) {
    Window w = WINDOWS.computeIfAbsent(status.getCode(), c -> new Window());
    String what =
        status.getCode()
            + (status.getDescription() == null ? "" : ": " + clip(status.getDescription()));
    long held;
    synchronized (w) {
      long now = System.nanoTime();
      if (w.last != 0 && now - w.last < TimeUnit.SECONDS.toNanos(WINDOW_SECONDS)) {
        w.held++;
        return;
      }
      held = w.held;
      w.held = 0;
      w.last = now;
    }
    if (held == 0) {
      REFUSED.warn("refused a call: {}", what);
    } else {
      REFUSED.warn(
          "refused a call: {} ({} more refused with {} since the last such line)",
          what,
          held,
          status.getCode());
    }
  }

  /** A description as one short line: a client's bytes may be in it. */
  private static String clip(String s) {
    String line = s.replaceAll("[\\p{Cntrl}]", "?");
    return line.length() <= 200 ? line : line.substring(0, 200) + "…";
  }

  private static final class Window {
    long last;
    long held;
  }
}
