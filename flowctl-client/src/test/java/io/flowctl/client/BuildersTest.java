package io.flowctl.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.stream.ArrowSourceService;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/** What the builders register and what a source's stream releases. */
class BuildersTest {
  private static final Schema SCHEMA =
      new Schema(List.of(Field.nullable("n", new ArrowType.Int(64, true))));

  @Test
  void aLaterProtobufOutput_dropsTheEarlierTypesSchema() {
    ProcessorBuilder b = Flowctl.processor("p").output("arrow_data.A", SCHEMA).output("plain.B");
    assertThat(b.outputs).isEmpty();

    ProcessorBuilder c =
        Flowctl.processor("p").output("arrow_data.A", SCHEMA).output("arrow_data.C", SCHEMA);
    assertThat(c.outputs).containsOnlyKeys("arrow_data.C");
  }

  @Test
  void closingAProducedStream_stopsItsProducer() throws Exception {
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      Set<Thread> producers = ConcurrentHashMap.newKeySet();
      ArrowSourceService.Events events =
          Streams.produced(
              out -> {
                try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator)) {
                  BigIntVector n = (BigIntVector) root.getVector(0);
                  for (long i = 0; ; i++) { // an endless source
                    n.setSafe(0, i);
                    root.setRowCount(1);
                    out.emit(root);
                  }
                }
              },
              ArrowEventCodec.builder().eventType("arrow_data.A").build(),
              allocator,
              new ArrowSourceService.Start(Map.of(), ""),
              2,
              producers);
      assertThat(events.hasNext()).isTrue();
      events.next();
      assertThat(producers).hasSize(1);
      Thread producer = producers.iterator().next();

      events.close(); // the reader cancelled

      producer.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(producer.isAlive()).isFalse();
      assertThat(producers).isEmpty();
      assertThat(events.hasNext()).isFalse();
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Test
  void aDeclaredReaderReadsByName_byDefault_andRefusesUnknownColumnsOnlyWhenClosed()
      throws Exception {
    Schema writer =
        new Schema(
            List.of(
                Field.nullable("n", new ArrowType.Int(64, true)),
                Field.nullable("unit", ArrowType.Utf8.INSTANCE)));
    ProcessorBuilder byName = Flowctl.processor("p").input("t", SCHEMA);
    ProcessorBuilder closed =
        Flowctl.processor("p").input("t", SCHEMA, io.flowctl.schema.ReaderModel.CLOSED);
    assertThat(byName.readerModels).containsEntry("t", io.flowctl.schema.ReaderModel.PROJECTING);

    ArrowEventCodec codec = ArrowEventCodec.builder().eventType("t").build();
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      io.flowctl.proto.Event event;
      try (VectorSchemaRoot root = VectorSchemaRoot.create(writer, allocator)) {
        ((BigIntVector) root.getVector("n")).setSafe(0, 42);
        ((org.apache.arrow.vector.VarCharVector) root.getVector("unit"))
            .setSafe(0, "stroops".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        root.setRowCount(1);
        event = codec.encode(root);
      }
      try (var in = codec.decode(event, allocator)) {
        in.loadNextBatch();
        try (var projected = byName.resolvers(null).get("t").project(in, allocator)) {
          assertThat(projected.root().getSchema()).isEqualTo(SCHEMA);
          assertThat(((BigIntVector) projected.root().getVector("n")).get(0)).isEqualTo(42);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> closed.resolvers(null).get("t").project(in, allocator))
            .isInstanceOf(io.flowctl.schema.IncompatibleSchemaException.class)
            .hasMessageContaining("'unit' was added");
      }
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Test
  void aHostsAllocator_isTheParentOfTheComponents_boundedByItsLimit() {
    try (BufferAllocator host = new RootAllocator(256L << 20)) {
      ProcessorBuilder b = Flowctl.processor("p").allocator(host).memoryLimit(1 << 20);
      try (BufferAllocator own = b.newAllocator()) {
        assertThat(own.getParentAllocator()).isSameAs(host);
        assertThat(own.getLimit()).isEqualTo(1 << 20);
        assertThat(own.getName()).isEqualTo("p");
      }
      assertThat(host.getChildAllocators()).isEmpty();
    }
  }
}
