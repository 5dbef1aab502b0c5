package io.flowctl.client;

import io.flowctl.client.Flowctl.BatchEmitter;
import io.flowctl.client.Flowctl.RowEmitter;
import java.time.Duration;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/** A row emitter over a batch emitter: one pending batch, reused. */
final class RowBatcher implements RowEmitter, AutoCloseable {
  private final BatchEmitter out;
  private final VectorSchemaRoot root;
  private final int rows;
  private final long maxBytes;
  private final long timeoutNanos;
  private int pending;
  private long firstAt;

  RowBatcher(BatchEmitter out, Schema schema, int rows, long maxBytes, Duration timeout) {
    this.out = out;
    this.root = VectorSchemaRoot.create(schema, out.allocator());
    this.rows = rows;
    this.maxBytes = maxBytes;
    this.timeoutNanos = timeout.toNanos();
    root.allocateNew();
  }

  @Override
  public void row(io.flowctl.client.codec.BatchAccumulator.RowWriter writer)
      throws InterruptedException {
    if (pending == 0) {
      firstAt = System.nanoTime();
    }
    writer.write(root, pending++);
    if (pending >= rows || System.nanoTime() - firstAt >= timeoutNanos || bytes() >= maxBytes) {
      flush();
    }
  }

  private long bytes() {
    long n = 0;
    for (org.apache.arrow.vector.FieldVector v : root.getFieldVectors()) {
      n += v.getBufferSize();
    }
    return n;
  }

  @Override
  public void flush() throws InterruptedException {
    if (pending == 0) {
      return;
    }
    root.setRowCount(pending);
    out.emit(root);
    pending = 0;
    for (org.apache.arrow.vector.FieldVector v : root.getFieldVectors()) {
      v.reset();
    }
    root.setRowCount(0);
  }

  @Override
  public Map<String, String> params() {
    return out.params();
  }

  @Override
  public String resumeAfter() {
    return out.resumeAfter();
  }

  @Override
  public void close() {
    root.close();
  }
}
