package demo;

import io.flowctl.client.ConsumerBuilder;
import io.flowctl.client.Flowctl;
import io.flowctl.client.ProcessorBuilder;
import io.flowctl.client.SourceBuilder;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/** A source, a processor and a sink of amounts: {@code java demo.Amounts source|doubler|total}. */
public final class Amounts {
  static final Schema AMOUNTS =
      new Schema(List.of(Field.notNullable("amount", new ArrowType.Int(64, true))));

  public static void main(String[] args) throws InterruptedException {
    Flowctl.Component component =
        switch (args.length == 1 ? args[0] : "") {
          case "source" -> source().build();
          case "doubler" -> doubler().build();
          case "total" -> total(new AtomicLong()).build();
          default -> throw new IllegalArgumentException("usage: demo.Amounts source|doubler|total");
        };
    component.run(); // serves until SIGTERM or SIGINT, then drains and unregisters
  }

  /** Ten batches of 1,000 amounts: 1000..1999, 2000..2999, ... */
  static SourceBuilder source() {
    return Flowctl.source("amounts")
        .output("demo.Amounts", AMOUNTS)
        .produce(
            out -> {
              for (int b = 1; b <= 10; b++) {
                try (VectorSchemaRoot batch = amounts(b, out.allocator())) {
                  out.emit(batch); // blocks while the reader is behind
                }
              }
            });
  }

  static ProcessorBuilder doubler() {
    return Flowctl.processor("doubler")
        .input("demo.Amounts", AMOUNTS) // batches arrive in this reader schema
        .output("demo.Doubled", AMOUNTS)
        .onBatch(
            (in, allocator) -> {
              BigIntVector from = (BigIntVector) in.getVector("amount");
              BigIntVector to = new BigIntVector(AMOUNTS.getFields().get(0), allocator);
              for (int i = 0; i < in.getRowCount(); i++) {
                to.setSafe(i, from.get(i) * 2);
              }
              to.setValueCount(in.getRowCount());
              return VectorSchemaRoot.of(to); // the SDK encodes and closes it
            });
  }

  static ConsumerBuilder total(AtomicLong total) {
    return Flowctl.consumer("total")
        .input("demo.Doubled")
        .onBatch(
            batch -> {
              BigIntVector amounts = (BigIntVector) batch.getVector("amount");
              for (int i = 0; i < batch.getRowCount(); i++) {
                total.addAndGet(amounts.get(i));
              }
            })
        .onFinish(() -> System.out.println("total " + total.get()));
  }

  static VectorSchemaRoot amounts(int b, BufferAllocator allocator) {
    VectorSchemaRoot batch = VectorSchemaRoot.create(AMOUNTS, allocator);
    BigIntVector amount = (BigIntVector) batch.getVector(0);
    for (int i = 0; i < 1_000; i++) {
      amount.setSafe(i, b * 1_000L + i);
    }
    batch.setRowCount(1_000);
    return batch;
  }
}
