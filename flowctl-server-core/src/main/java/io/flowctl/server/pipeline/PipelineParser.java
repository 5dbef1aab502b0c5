package io.flowctl.server.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads and validates a pipeline file in three steps: {@link PipelineYaml} loads the text with
 * positions and limits, {@link PipelineBinder} binds it to typed settings, {@link PipelineGraph}
 * checks what holds between components. Every problem is collected with its file, line and column
 * and what was expected; a pipeline is returned only when there is none.
 */
public final class PipelineParser {
  /** The outcome: a pipeline, or the problems that prevent one. */
  public record Result(Optional<Pipeline> pipeline, List<Problem> problems) {
    public boolean valid() {
      return problems.isEmpty();
    }
  }

  private PipelineParser() {}

  /**
   * Parses and validates {@code file}.
   *
   * @throws IOException when the file cannot be read at all
   */
  public static Result parse(Path file) throws IOException {
    NodeReader in = new NodeReader(file.toString());
    Node root = PipelineYaml.load(file.toString(), Files.readAllBytes(file), in);
    if (!in.clean()) {
      return new Result(Optional.empty(), in.problems());
    }
    if (!(root instanceof MappingNode top)) {
      in.problem(root, "expected a mapping with apiVersion, kind, metadata and spec");
      return new Result(Optional.empty(), in.problems());
    }
    PipelineBinder b = new PipelineBinder(file, in);
    b.bind(top);
    PipelineGraph.check(b.components, b.componentNodes, b.inputNodes, in);
    Optional<Pipeline> p =
        in.clean()
            ? Optional.of(
                new Pipeline(
                    b.pipelineName,
                    file,
                    List.copyOf(b.components),
                    b.driver,
                    List.copyOf(b.pipelineComponents)))
            : Optional.empty();
    return new Result(p, in.problems());
  }
}
