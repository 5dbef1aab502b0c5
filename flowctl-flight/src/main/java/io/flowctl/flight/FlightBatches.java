package io.flowctl.flight;

import io.flowctl.FlowctlException;
import java.util.List;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The batches of one or more Flight tickets, read in order: {@link #next()} loads the next batch
 * into {@link #root()}, which stays the reader's (valid until the next call). Closing it early
 * cancels the stream on the server. Not thread-safe.
 */
public final class FlightBatches implements AutoCloseable {
  /** One ticket and the client that redeems it. */
  record Part(FlightClient client, Ticket ticket, String name, boolean ownsClient) {
    void closeClient() {
      if (ownsClient) {
        try {
          client.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private final List<Part> parts;
  private final FlightInput input;
  private int at = -1;
  private FlightStream stream;
  private boolean done;
  private long rows;
  private long batches;

  FlightBatches(List<Part> parts, FlightInput input) {
    this.parts = parts;
    this.input = input;
  }

  /**
   * The schema of the stream being read (the first stream's before the first batch).
   *
   * @throws FlowctlException when the service cannot be reached or refuses the ticket
   */
  public Schema schema() {
    if (stream == null && !open()) {
      throw new FlowctlException(
          FlowctlException.Code.NOT_FOUND, "the Flight stream has no endpoints to read");
    }
    try {
      return stream.getSchema();
    } catch (FlightRuntimeException e) {
      String name = parts.get(at).name();
      closeStream(false);
      done = true;
      throw input.failure(e, "stream '" + name + "'");
    }
  }

  /**
   * Loads the next batch; false at the end of the last ticket.
   *
   * @throws FlowctlException naming the endpoint and the stream when it fails or breaks off
   */
  public boolean next() {
    while (!done) {
      if (stream == null && !open()) {
        return false;
      }
      String name = parts.get(at).name();
      try {
        if (stream.next()) {
          VectorSchemaRoot r = stream.getRoot();
          rows += r.getRowCount();
          batches++;
          return true;
        }
      } catch (FlightRuntimeException e) {
        closeStream(false);
        done = true;
        throw input.failure(e, "stream '" + name + "' after " + batches + " batches");
      }
      closeStream(false);
    }
    return false;
  }

  /** The batch {@link #next()} loaded. */
  public VectorSchemaRoot root() {
    if (stream == null) {
      throw new IllegalStateException("no batch loaded");
    }
    return stream.getRoot();
  }

  /** Rows read so far. */
  public long rows() {
    return rows;
  }

  /** Batches read so far. */
  public long batches() {
    return batches;
  }

  private boolean open() {
    if (at + 1 >= parts.size()) {
      done = true;
      return false;
    }
    at++;
    Part p = parts.get(at);
    try {
      stream = p.client().getStream(p.ticket(), input.options());
      return true;
    } catch (FlightRuntimeException e) {
      done = true;
      throw input.failure(e, "stream '" + p.name() + "'");
    }
  }

  private void closeStream(boolean cancel) {
    FlightStream s = stream;
    stream = null;
    if (s == null) {
      return;
    }
    if (cancel) {
      s.cancel("the reader closed the stream", null);
    }
    try {
      s.close();
    } catch (Exception e) {
      // a cancelled or broken stream's close reports it again: what mattered is reported already
    }
  }

  @Override
  public void close() {
    closeStream(!done);
    done = true;
    parts.forEach(Part::closeClient);
  }
}
