package io.flowctl.bench;

import io.flowctl.testing.BatchData;
import java.util.List;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;

/**
 * The Arrow Flight baseline of the streaming benchmarks: Arrow Java's own {@code FlightServer}
 * serving batches built before the measurement, on every ticket, loaded one by one into one root.
 */
class PrebuiltFlight extends NoOpFlightProducer {
  private final List<BatchData.Written> batches;
  private final BufferAllocator allocator;

  PrebuiltFlight(List<BatchData.Written> batches, BufferAllocator allocator) {
    this.batches = batches;
    this.allocator = allocator;
  }

  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    try (VectorSchemaRoot root =
        VectorSchemaRoot.create(batches.get(0).root().getSchema(), allocator)) {
      VectorLoader loader = new VectorLoader(root);
      listener.start(root);
      for (BatchData.Written w : batches) {
        try (ArrowRecordBatch rb = new VectorUnloader(w.root()).getRecordBatch()) {
          loader.load(rb);
        }
        listener.putNext();
      }
      listener.completed();
    }
  }
}
