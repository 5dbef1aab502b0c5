package io.flowctl.client;

import io.flowctl.client.Flowctl.Component;
import io.flowctl.client.component.internal.ComponentRuntime;
import io.flowctl.client.spi.SourceEndpointProvider;
import io.flowctl.client.stream.ComponentHealth;
import java.time.Duration;
import org.apache.arrow.memory.BufferAllocator;

/** A component over its runtime and the allocator it owns. */
final class RunningComponent implements Component {
  private final ComponentRuntime runtime;
  private final BufferAllocator allocator;
  private final java.util.Set<Thread> producers;
  private final java.util.function.Supplier<SourceEndpointProvider.SourceEndpoint> flight;
  private SourceEndpointProvider.SourceEndpoint serving; // its Flight endpoint, once started
  private boolean started;

  RunningComponent(
      ComponentRuntime runtime, BufferAllocator allocator, java.util.Set<Thread> producers) {
    this(runtime, allocator, producers, null);
  }

  /**
   * @param flight starts the source's Flight endpoint before the runtime (so that its address is
   *     registered); null for none
   */
  RunningComponent(
      ComponentRuntime runtime,
      BufferAllocator allocator,
      java.util.Set<Thread> producers,
      java.util.function.Supplier<SourceEndpointProvider.SourceEndpoint> flight) {
    this.runtime = runtime;
    this.allocator = allocator;
    this.producers = producers;
    this.flight = flight;
  }

  @Override
  public synchronized Component start() {
    if (!started) {
      started = true;
      try {
        if (flight != null) {
          serving = flight.get();
          runtime.putMetadata("flight_endpoint", serving.uri());
        }
        runtime.start();
      } catch (RuntimeException e) {
        if (serving != null) {
          serving.close();
        }
        allocator.close();
        throw e;
      }
    }
    return this;
  }

  @Override
  public void run() throws InterruptedException {
    start();
    Thread hook = new Thread(this::close, "flowctl-component-stop");
    java.lang.Runtime.getRuntime().addShutdownHook(hook);
    runtime.awaitTermination(Duration.ofDays(365 * 100));
    try {
      java.lang.Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is stopping: the hook is running
    }
  }

  @Override
  public boolean awaitRegistered(Duration timeout) throws InterruptedException {
    return runtime.awaitRegistered(timeout);
  }

  @Override
  public String endpoint() {
    return runtime.endpoint();
  }

  @Override
  public ComponentHealth health() {
    return runtime.health();
  }

  @Override
  public int healthPort() {
    return runtime.healthPort();
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return runtime.awaitTermination(timeout);
  }

  @Override
  public synchronized java.util.Optional<String> flightEndpoint() {
    return java.util.Optional.ofNullable(serving).map(SourceEndpointProvider.SourceEndpoint::uri);
  }

  @Override
  public boolean closed() {
    return runtime.isClosed();
  }

  @Override
  public void close() {
    SourceEndpointProvider.SourceEndpoint f;
    synchronized (this) {
      f = serving;
    }
    if (f != null) {
      f.close(); // its streams end first: they run the same producer
    }
    runtime.close();
    // A source's producers may still wait to emit for a reader that went away.
    for (Thread t : producers) {
      t.interrupt();
    }
    for (Thread t : producers) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    synchronized (this) {
      allocator.close();
    }
  }
}
