package io.flowctl.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.ConsumerBuilder;
import io.flowctl.client.Flowctl;
import io.flowctl.client.ProcessorBuilder;
import io.flowctl.client.SourceBuilder;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.pipeline.Launcher;
import io.flowctl.server.pipeline.Pipeline;
import io.flowctl.server.pipeline.PipelineParser;
import io.flowctl.server.pipeline.PipelineRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/getting-started.md's three components, in this JVM: a source, a processor and a sink written
 * with {@link Flowctl} alone, configured from the environment a launcher gives them, registered
 * with a real control plane and driven by {@code PipelineRunner} as upstream's runner drives
 * components. The page itself shows {@code examples/getting-started/}, which {@code
 * GettingStartedProjectTest} builds and runs as a project of its own.
 */
class GettingStartedTest {
  static final Schema AMOUNTS =
      new Schema(List.of(Field.notNullable("amount", new ArrowType.Int(64, true))));
  static final AtomicLong TOTAL = new AtomicLong();

  @TempDir Path dir;

  /** Batch {@code b} of the source: 1,000 amounts b*1000 .. b*1000+999. */
  static VectorSchemaRoot amounts(int b, BufferAllocator allocator) {
    VectorSchemaRoot batch = VectorSchemaRoot.create(AMOUNTS, allocator);
    BigIntVector v = (BigIntVector) batch.getVector(0);
    for (int i = 0; i < 1_000; i++) {
      v.setSafe(i, b * 1_000L + i);
    }
    batch.setRowCount(1_000);
    return batch;
  }

  /** The page's source; {@code main} would end it with {@code .build().run()}. */
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

  static ProcessorBuilder processor() {
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

  static ConsumerBuilder sink() {
    return Flowctl.consumer("total")
        .input("demo.Doubled")
        .onBatch(
            batch -> {
              BigIntVector amounts = (BigIntVector) batch.getVector("amount");
              for (int i = 0; i < batch.getRowCount(); i++) {
                TOTAL.addAndGet(amounts.get(i));
              }
            });
  }

  @Test
  void aSourceAProcessorAndASink_writtenWithTheSdk_runUnderTheRunner() throws Exception {
    Path yaml =
        Files.writeString(
            dir.resolve("guide.yaml"),
            """
            apiVersion: flowctl/v1
            kind: Pipeline
            metadata: {name: guide}
            spec:
              sources:
                - {id: amounts, command: ["sdk"]}
              processors:
                - {id: doubler, command: ["sdk"], inputs: [amounts]}
              sinks:
                - {id: total, command: ["sdk"], inputs: [doubler]}
            """);
    Pipeline pipeline = PipelineParser.parse(yaml).pipeline().orElseThrow();
    TOTAL.set(0);
    Launcher sdk =
        (c, env) -> {
          Map<String, String> e = new HashMap<>(env);
          e.put("HEALTH_PORT", "0"); // three in one JVM: free ports for their health servers
          // As main would run them: configured from the environment the launcher sets.
          ComponentConfig config = ComponentConfig.fromEnv(e, c.id());
          Flowctl.Component component =
              switch (c.id()) {
                case "amounts" -> source().config(config).build();
                case "doubler" -> processor().config(config).build();
                default -> sink().config(config).build();
              };
          component.start();
          return new Launcher.Handle() {
            @Override
            public boolean alive() {
              return true;
            }

            @Override
            public void close() {
              component.close();
            }
          };
        };
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      PipelineRunner runner =
          new PipelineRunner(
              cp.services(),
              cp.runs(),
              sdk,
              "127.0.0.1:" + cp.port(),
              Duration.ofSeconds(30),
              Duration.ofMillis(200));
      try (PipelineRunner.Running running = runner.start(pipeline)) {
        var result = running.completion().get(1, TimeUnit.MINUTES);
        assertThat(result.sourceEvents()).isEqualTo(10);
        assertThat(result.sinks().get("total").getEventsConsumed()).isEqualTo(10);
        assertThat(cp.schemas().latest("demo.Doubled")).isPresent();
      }
      assertThat(cp.services().list()).isEmpty(); // each unregistered when stopped
    }
    long expected = 0;
    for (int b = 1; b <= 10; b++) {
      for (int i = 0; i < 1_000; i++) {
        expected += 2 * (b * 1_000L + i);
      }
    }
    assertThat(TOTAL.get()).isEqualTo(expected);
  }
}
