package io.flowctl.server.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineParserTest {
  static final Schema TTP_V1 =
      new Schema(
          List.of(
              Field.notNullable("ledger", new ArrowType.Int(64, true)),
              Field.nullable("amount", new ArrowType.Int(32, true))));
  static final Schema TTP_WIDER =
      new Schema(
          List.of(
              Field.notNullable("ledger", new ArrowType.Int(64, true)),
              Field.nullable("amount", new ArrowType.Int(64, true))));
  static final Schema TTP_BROKEN =
      new Schema(List.of(Field.nullable("ledger", ArrowType.Utf8.INSTANCE)));

  /** A valid pipeline; tests break one line of it at a time. */
  static final String VALID =
      """
      apiVersion: flowctl/v1
      kind: Pipeline
      metadata:
        name: ttp-arrow
      spec:
        sources:
          - id: ttp-source
            command: ["java", "-jar", "source.jar"]
            config:
              arrow:
                format: ipc
                compression: zstd
                batch_size: 10000
                schema_evolution: backward
              output_schemas:
                - event_type: arrow_data.TTPEventBatch
                  schema_file: schemas/ttp_v1.arrow
        processors:
          - id: ttp-aggregator
            image: ghcr.io/example/aggregator:latest
            inputs: [ttp-source]
            depends_on: [metrics-sink]
            config:
              arrow:
                input_format: arrow_ipc
                output_format: arrow_ipc
                conversion_mode: native
                memory_optimization: true
              schema_mapping:
                arrow_data.TTPEventBatch: arrow_data.TTPAssetTotals
              performance:
                parallel_conversion: true
                batch_accumulation_timeout: 100ms
        sinks:
          - id: parquet-sink
            command: ["java", "-jar", "sink.jar"]
            inputs: [ttp-aggregator]
          - id: metrics-sink
            command: ["java", "-jar", "metrics.jar"]
            inputs: [ttp-source]
      """;

  @TempDir Path dir;

  @BeforeEach
  void schemas() throws IOException {
    Files.createDirectories(dir.resolve("schemas"));
    write("schemas/ttp_v1.arrow", TTP_V1);
    write("schemas/ttp_wider.arrow", TTP_WIDER);
    write("schemas/ttp_broken.arrow", TTP_BROKEN);
    Files.writeString(dir.resolve("schemas/garbage.arrow"), "not arrow");
  }

  private void write(String name, Schema s) throws IOException {
    Files.write(
        dir.resolve(name),
        com.google.protobuf.ByteString.copyFrom(io.flowctl.ipc.ArrowIpc.schemaStream(s))
            .toByteArray());
  }

  private PipelineParser.Result parse(String yaml) throws IOException {
    Path f = dir.resolve("pipeline.yaml");
    Files.writeString(f, yaml);
    return PipelineParser.parse(f);
  }

  /** The valid pipeline with one line replaced (1-based). */
  private PipelineParser.Result with(int line, String replacement) throws IOException {
    List<String> lines = new java.util.ArrayList<>(VALID.lines().toList());
    lines.set(line - 1, replacement);
    return parse(String.join("\n", lines) + "\n");
  }

  private static void assertProblem(PipelineParser.Result r, int line, int column, String text) {
    assertThat(r.valid()).isFalse();
    assertThat(r.problems())
        .as(r.problems().toString())
        .anySatisfy(
            p -> {
              assertThat(p.line()).isEqualTo(line);
              assertThat(p.column()).isEqualTo(column);
              assertThat(p.message()).contains(text);
            });
  }

  @Test
  void theValidPipeline_parsesWithItsArrowSettings_andStartsInDependencyOrder() throws IOException {
    PipelineParser.Result r = parse(VALID);

    assertThat(r.problems()).isEmpty();
    Pipeline p = r.pipeline().orElseThrow();
    assertThat(p.name()).isEqualTo("ttp-arrow");
    Pipeline.Component source = p.components().get(0);
    assertThat(source.arrow().compression()).isEqualTo("zstd");
    assertThat(source.outputSchemas().get("arrow_data.TTPEventBatch")).isEqualTo(TTP_V1);
    assertThat(p.components().get(1).arrow().batchAccumulationTimeout())
        .isEqualTo(java.time.Duration.ofMillis(100));
    assertThat(StartPlan.order(p))
        .extracting(Pipeline.Component::id)
        .containsExactly("ttp-source", "metrics-sink", "ttp-aggregator", "parquet-sink");
  }

  @Test
  void anUnknownKey_isNamedWithItsPlace() throws IOException {
    assertProblem(with(13, "          batch_sise: 10000"), 13, 11, "unknown key 'batch_sise'");
  }

  @Test
  void wrongEnumValues_listWhatIsExpected() throws IOException {
    assertProblem(
        with(12, "          compression: snappy"), 12, 24, "expected one of none, lz4, zstd");
    assertProblem(with(12, "          compression: brotli"), 12, 24, "not an Arrow IPC body codec");
    assertProblem(
        with(14, "          schema_evolution: sideways"), 14, 29, "expected one of none, backward");
  }

  @Test
  void badDurationsAndSizes() throws IOException {
    assertProblem(with(33, "          batch_accumulation_timeout: soon"), 33, 39, "not a duration");
    assertProblem(with(13, "          batch_size: -5"), 13, 23, "positive whole number");
  }

  @Test
  void missingInputs_duplicateIds_andCycles() throws IOException {
    assertProblem(
        with(21, "      inputs: [ttp-sauce]"), 21, 15, "'ttp-sauce', which is not in the pipeline");
    assertProblem(with(38, "    - id: ttp-source"), 38, 11, "duplicate component id 'ttp-source'");
    assertProblem(
        with(40, "      inputs: [ttp-aggregator]"),
        19,
        7,
        "dependency cycle: ttp-aggregator -> metrics-sink -> ttp-aggregator");
  }

  @Test
  void anUnreadableSchemaFile() throws IOException {
    assertProblem(
        with(17, "            schema_file: schemas/garbage.arrow"),
        17,
        26,
        "unreadable schema file");
    assertProblem(
        with(17, "            schema_file: schemas/missing.arrow"),
        17,
        26,
        "unreadable schema file");
  }

  @Test
  void aSparseSchemaFileDeclaringA2GbMessage_isRefusedFromItsDeclaredSize_notReadWhole()
      throws IOException {
    Path huge = dir.resolve("schemas/huge.arrow");
    try (var f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
      f.writeInt(0xFFFFFFFF); // continuation marker
      f.writeInt(Integer.reverseBytes(0x7FFF_FFF0)); // a metadata length of 2 GiB, little-endian
      f.setLength(2_200_000_000L); // sparse: takes no disk
    }
    Runtime rt = Runtime.getRuntime();
    long before = rt.totalMemory() - rt.freeMemory();
    PipelineParser.Result r = parse(VALID.replace("schemas/ttp_v1.arrow", "schemas/huge.arrow"));
    assertThat(r.valid()).isFalse();
    assertThat(r.problems().toString()).contains("unreadable schema file 'schemas/huge.arrow'");
    assertThat(rt.totalMemory() - rt.freeMemory() - before).isLessThan(256L << 20);
  }

  @Test
  void anEventTypeProducedByNobody() throws IOException {
    assertProblem(
        with(30, "          arrow_data.LedgerBatch: arrow_data.TTPAssetTotals"),
        19,
        7,
        "maps event type 'arrow_data.LedgerBatch', which none of its inputs");
  }

  @Test
  void connectedServicesWithIncompatibleSchemas() throws IOException {
    List<String> lines = new java.util.ArrayList<>(VALID.lines().toList());
    lines.addAll(
        34,
        List.of(
            "    - id: audit-sink",
            "      command: [\"java\", \"-jar\", \"audit.jar\"]",
            "      inputs: [ttp-source]",
            "      config:",
            "        arrow:",
            "          schema_evolution: backward",
            "        output_schemas:",
            "          - event_type: arrow_data.TTPEventBatch",
            "            schema_file: schemas/ttp_broken.arrow",
            "    - id: widening-sink",
            "      command: [\"java\", \"-jar\", \"wide.jar\"]",
            "      inputs: [ttp-source]",
            "      config:",
            "        output_schemas:",
            "          - event_type: arrow_data.TTPEventBatch",
            "            schema_file: schemas/ttp_wider.arrow"));
    PipelineParser.Result r = parse(String.join("\n", lines) + "\n");

    assertThat(r.problems()).hasSize(1);
    assertThat(r.problems().get(0).line()).isEqualTo(35);
    assertThat(r.problems().get(0).message())
        .contains(
            "'audit-sink' declares arrow_data.TTPEventBatch incompatibly with its input 'ttp-source'")
        .contains("ledger");
  }

  @Test
  void brokenYaml_isReportedWithItsPlace() throws IOException {
    PipelineParser.Result r = with(9, "      config: [unclosed");
    assertThat(r.valid()).isFalse();
    assertThat(r.problems().get(0).message()).startsWith("not valid YAML");
    assertThat(r.problems().get(0).line()).isGreaterThanOrEqualTo(9);
  }

  /** Everything upstream's CUE schema allows, in a file of the shape its quickstart writes. */
  static final String UPSTREAM_FORMAT =
      """
      apiVersion: flowctl/v1
      kind: Pipeline
      metadata:
        name: ledger-analytics
        namespace: stellar
        description: contract events into DuckDB
        labels: {network: testnet}
        annotations: {owner: payments}
      spec:
        description: testnet contract events
        driver: process
        config: {log_level: info}
        sources:
          - id: ledgers
            type: stellar-live-source@v1.0.0
            config: {start_ledger: 2187805}
            health_check: /health
            health_port: 8088
            replicas: 1
            resources: {requests: {cpu: "100m"}}
        processors:
          - id: events
            type: contract-events-processor@v1.0.0
            inputs: [ledgers]
            ports: [{name: grpc, container_port: 50052}]
            volumes: [{name: data, host_path: /tmp, container_path: /data}]
        sinks:
          - id: duckdb
            command: ["/opt/bin/duckdb-consumer"]
            args: ["--db", "/tmp/x.duckdb"]
            inputs: [events]
            restart_policy: on-failure
        pipelines:
          - id: nightly
            type: pipeline
            image: example.org/nightly:1
      """;

  @Test
  void upstreamsWholeFormat_isAccepted_typeReferencesNeedNoCommand_argsFollowTheCommand()
      throws IOException {
    PipelineParser.Result r = parse(UPSTREAM_FORMAT);

    assertThat(r.problems()).isEmpty();
    Pipeline p = r.pipeline().orElseThrow();
    assertThat(p.driver()).isEqualTo("process");
    assertThat(p.pipelineComponents()).containsExactly("nightly");
    assertThat(p.components())
        .extracting(Pipeline.Component::type)
        .containsExactly("stellar-live-source@v1.0.0", "contract-events-processor@v1.0.0", "");
    assertThat(p.components().get(2).command())
        .containsExactly("/opt/bin/duckdb-consumer", "--db", "/tmp/x.duckdb");
  }

  @Test
  void upstreamsExecutionRule_oneOfImageOrCommand_unlessATypeIsGiven() throws IOException {
    PipelineParser.Result r =
        parse(
            """
            apiVersion: flowctl/v1
            kind: Pipeline
            metadata: {name: p}
            spec:
              driver: container
              sources:
                - id: both
                  image: a
                  command: [b]
                - id: neither
            """);
    assertThat(r.problems())
        .extracting(Problem::message)
        .anyMatch(m -> m.contains("'container' is not a valid driver"))
        .anyMatch(m -> m.contains("'both' has both an image and a command"))
        .anyMatch(m -> m.contains("'neither' needs an image, a command or a type"));
  }

  @Test
  void whatFlowctlRunCannotRun_isItsErrorNotValidates_andACatalogResolvesReferences()
      throws IOException {
    Pipeline p = parse(UPSTREAM_FORMAT).pipeline().orElseThrow();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ComponentCatalog.empty().resolve(p))
        .isInstanceOf(io.flowctl.FlowctlException.class)
        .hasMessageContaining(
            "component 'ledgers' (line 14) is the reference 'stellar-live-source@v1.0.0'")
        .hasMessageContaining("'contract-events-processor@v1.0.0'")
        .hasMessageContaining("pipeline component 'nightly'");

    Path catalog =
        Files.writeString(
            dir.resolve("components.yaml"),
            """
            stellar-live-source@v1.0.0: ["/opt/bin/source", "--rpc"]
            contract-events-processor@v1.0.0: /opt/bin/events --fast
            """);
    Pipeline noPipelines = new Pipeline(p.name(), p.file(), p.components(), p.driver(), List.of());
    Pipeline resolved = ComponentCatalog.load(catalog).resolve(noPipelines);
    assertThat(resolved.components())
        .extracting(Pipeline.Component::command)
        .containsExactly(
            List.of("/opt/bin/source", "--rpc"),
            List.of("/opt/bin/events", "--fast"),
            List.of("/opt/bin/duckdb-consumer", "--db", "/tmp/x.duckdb"));

    Pipeline docker = new Pipeline(p.name(), p.file(), resolved.components(), "docker", List.of());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ComponentCatalog.empty().resolve(docker))
        .hasMessageContaining("driver 'docker'");
  }

  @Test
  void upstreamsInvalidExample_stillNamesTheProcessorAndTheSinkWithoutInputs() throws IOException {
    PipelineParser.Result r =
        parse(
            """
            apiVersion: flowctl/v1
            kind: Pipeline
            metadata: {name: invalid}
            spec:
              sources:
                - id: source1
                  image: s
              processors:
                - id: processor1
                  image: p
              sinks:
                - id: sink1
                  image: k
            """);
    assertThat(r.problems())
        .extracting(Problem::message)
        .contains("processor 'processor1' needs inputs", "sink 'sink1' needs inputs");
  }

  @Test
  void componentIdsThatCouldLeaveTheDataFolder_areProblemsWithTheirPlace() throws IOException {
    PipelineParser.Result r =
        parse(
            """
            apiVersion: flowctl/v1
            kind: Pipeline
            metadata: {name: hostile}
            spec:
              sources:
                - id: ../../escaped-log
                  command: [a]
                - id: /etc/passwd
                  command: [a]
                - id: "line\\nbreak"
                  command: [a]
                - id: ok-id_1.2
                  command: [a]
            """);
    assertThat(r.problems())
        .extracting(Problem::message)
        .filteredOn(m -> m.contains("must be 1 to 128 letters"))
        .hasSize(3)
        .anyMatch(m -> m.contains("'../../escaped-log'"))
        .anyMatch(m -> m.contains("'line?break'"));
    assertThat(r.problems()).allMatch(p -> p.line() > 0 && p.column() > 0);
  }
}
