package io.flowctl.server.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A validated pipeline: upstream's {@code flowctl/v1 Pipeline} format (its CUE schema) with the
 * Arrow settings of {@code config.arrow}.
 *
 * @param name {@code metadata.name}
 * @param file where it was read from
 * @param components sources, processors and sinks, in file order
 * @param driver {@code spec.driver} ({@code process} when absent): how upstream deploys it
 * @param pipelineComponents ids of {@code spec.pipelines} entries (whole pipelines run as black
 *     boxes), which only upstream's container drivers run
 */
public record Pipeline(
    String name,
    Path file,
    List<Component> components,
    String driver,
    List<String> pipelineComponents) {

  public Pipeline(String name, Path file, List<Component> components) {
    this(name, file, components, "process", List.of());
  }

  /**
   * The components in the order they start: each after its inputs and dependencies, sources first,
   * file order among equals.
   */
  public List<Component> startOrder() {
    return StartPlan.order(this);
  }

  /** What a component is. */
  public enum Role {
    SOURCE,
    PROCESSOR,
    SINK
  }

  /**
   * One source, processor or sink.
   *
   * @param id its id, unique in the pipeline
   * @param role what it is
   * @param image a container image, or empty
   * @param command a command line, or empty
   * @param inputs ids of the components it reads from
   * @param dependsOn further ids that must start first
   * @param env environment variables
   * @param arrow the Arrow settings (defaults when absent)
   * @param outputSchemas event type → the schema of its {@code schema_file}
   * @param schemaMapping consumed event type → produced event type
   * @param line where the component starts in the file
   * @param type a component reference {@code name@version} that upstream resolves from its
   *     component registry, or empty
   */
  public record Component(
      String id,
      Role role,
      String image,
      List<String> command,
      List<String> inputs,
      List<String> dependsOn,
      Map<String, String> env,
      ArrowSettings arrow,
      Map<String, Schema> outputSchemas,
      Map<String, String> schemaMapping,
      int line,
      String type) {

    /** The same component run by {@code command} (a resolved {@link #type} reference). */
    public Component withCommand(List<String> command) {
      return new Component(
          id,
          role,
          image,
          List.copyOf(command),
          inputs,
          dependsOn,
          env,
          arrow,
          outputSchemas,
          schemaMapping,
          line,
          type);
    }
  }

  /**
   * {@code config.arrow} and {@code config.performance}.
   *
   * @param enabled false when the pipeline or component switched Arrow off (plain protobuf)
   * @param format {@code ipc} or {@code parquet}
   * @param compression {@code none}, {@code lz4} or {@code zstd}
   * @param batchSize target rows per batch
   * @param schemaEvolution the evolution mode its output subjects are held to
   * @param batchAccumulationTimeout how long a batch may wait before it is sent
   * @param allowRefusedEvents {@code config.arrow.allow_refused_events}: events this component
   *     refuses (an incompatible schema, a damaged payload) are reported but do not fail the run
   * @param conversionMode {@code config.arrow.conversion_mode} of a format-conversion processor
   *     ({@code native}, {@code hybrid}, {@code compatibility}), or empty
   * @param descriptorSet {@code config.descriptor_set}, resolved against the pipeline file: the
   *     FileDescriptorSet a format-conversion processor reads its message types from; or null
   */
  public record ArrowSettings(
      boolean enabled,
      String format,
      String compression,
      int batchSize,
      io.flowctl.schema.EvolutionPolicy schemaEvolution,
      Duration batchAccumulationTimeout,
      boolean allowRefusedEvents,
      String conversionMode,
      java.nio.file.Path descriptorSet) {
    public static final ArrowSettings DEFAULTS =
        new ArrowSettings(
            true,
            "ipc",
            "none",
            10_000,
            io.flowctl.schema.EvolutionPolicy.BACKWARD,
            Duration.ofMillis(100),
            false,
            "",
            null);
  }
}
