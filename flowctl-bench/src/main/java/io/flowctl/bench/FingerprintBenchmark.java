package io.flowctl.bench;

import io.flowctl.schema.Fingerprint;
import io.flowctl.schema.SchemaFingerprints;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.types.pojo.Schema;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What attaching a fingerprint to every event costs. {@link #uncached} is the baseline: canonical
 * form plus SHA-256 each time. {@link #sameInstance} is a codec reusing one root; {@link
 * #equalInstance} is a reader that gets a fresh but equal {@code Schema} with every batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = BenchJvm.ADD_OPENS)
public class FingerprintBenchmark {
  private static final int COPIES = 64;

  private Schema schema;
  private final Schema[] copies = new Schema[COPIES];
  private int next;

  @Setup
  public void setUp() throws java.io.IOException {
    schema = TtpData.schema();
    for (int i = 0; i < COPIES; i++) {
      copies[i] = Schema.fromJSON(schema.toJson());
    }
  }

  @Benchmark
  public Fingerprint uncached() {
    return SchemaFingerprints.compute(schema, false);
  }

  @Benchmark
  public Fingerprint sameInstance() {
    return SchemaFingerprints.structural(schema);
  }

  @Benchmark
  public Fingerprint equalInstance() {
    Schema s = copies[next];
    next = (next + 1) % COPIES;
    return SchemaFingerprints.structural(s);
  }
}
