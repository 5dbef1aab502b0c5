package io.flowctl.bench;

import io.flowctl.server.schema.RegisteredSchema;
import io.flowctl.server.schema.Registration;
import io.flowctl.server.schema.SchemaRegistry;
import io.flowctl.server.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.types.pojo.Schema;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The schema registry's register and get on the in-memory store and on SQLite (WAL, synchronous
 * commits), with the token-transfer schema. {@link #registerNew} registers a new subject each time
 * (a store write and a compatibility check against nothing); {@link #registerExisting} re-registers
 * an identical schema (what every service does at start-up); {@link #latest} reads the latest
 * version.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = BenchJvm.ADD_OPENS)
public class RegistryBenchmark {
  @Param({"memory", "sqlite"})
  public String store;

  private Stores backing;
  private SchemaRegistry registry;
  private Schema schema;
  private Path dir;
  private long subject;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    if (store.equals("sqlite")) {
      dir = Files.createTempDirectory("flowctl-bench");
      backing = Stores.sqlite(dir.resolve("registry.db"));
    } else {
      backing = Stores.memory();
    }
    registry = SchemaRegistry.builder(backing.schemas()).maxSubjects(Integer.MAX_VALUE).build();
    schema = TtpData.schema();
    registry.register("ttp", schema, "bench");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    backing.close();
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Benchmark
  public Registration registerNew() {
    return registry.register("subject-" + subject++, schema, "bench");
  }

  @Benchmark
  public Registration registerExisting() {
    return registry.register("ttp", schema, "bench");
  }

  @Benchmark
  public Optional<RegisteredSchema> latest() {
    return registry.latest("ttp");
  }
}
