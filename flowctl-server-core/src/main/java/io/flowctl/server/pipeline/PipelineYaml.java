package io.flowctl.server.pipeline;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * A pipeline file's bytes as a YAML node tree, with positions: the bytes must be UTF-8 (a bad byte
 * is a problem at its line and column), the YAML well-formed, and collections nested at most
 * {@value #MAX_NESTING} deep.
 */
final class PipelineYaml {
  /**
   * Deeper than this, a file is refused while it is composed: snakeyaml-engine composes nodes
   * recursively, so a file of a hundred thousand brackets would overflow the stack.
   */
  static final int MAX_NESTING = 64;

  private PipelineYaml() {}

  /** The root node, or null with the reason among {@code problems}. */
  static Node load(String name, byte[] bytes, NodeReader problems) {
    java.nio.CharBuffer text = java.nio.CharBuffer.allocate(bytes.length);
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
    java.nio.charset.CoderResult decoded =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
            .decode(in, text, true);
    if (decoded.isError()) {
      int at = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      problems.problem(
          line,
          at - lineStart + 1,
          String.format(
              Locale.ROOT, "not UTF-8 text: byte 0x%02X at offset %d", bytes[at] & 0xFF, at));
      return null;
    }
    String yaml = text.flip().toString();
    LoadSettings settings = LoadSettings.builder().setLabel(name).build();
    try {
      return new Composer(
              settings, new DepthLimit(new ParserImpl(settings, new StreamReader(settings, yaml))))
          .getSingleNode()
          .orElse(null);
    } catch (TooDeep e) {
      problems.problem(e.at, "nested deeper than " + MAX_NESTING + " levels");
    } catch (MarkedYamlEngineException e) {
      problems.problem(
          e.getProblemMark().or(e::getContextMark).orElse(null),
          "not valid YAML: " + e.getProblem());
    } catch (YamlEngineException e) {
      problems.problem((Mark) null, "not valid YAML: " + e.getMessage());
    }
    return null;
  }

  /** Passes the parser's events to the composer, refusing collections nested too deep. */
  private static final class DepthLimit implements Parser {
    private final Parser parser;
    private int depth;

    DepthLimit(Parser parser) {
      this.parser = parser;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
      return parser.checkEvent(choice);
    }

    @Override
    public Event peekEvent() {
      return parser.peekEvent();
    }

    @Override
    public boolean hasNext() {
      return parser.hasNext();
    }

    @Override
    public Event next() {
      Event e = parser.next();
      if (e instanceof CollectionStartEvent && ++depth > MAX_NESTING) {
        throw new TooDeep(e.getStartMark().orElse(null));
      } else if (e instanceof CollectionEndEvent) {
        depth--;
      }
      return e;
    }
  }

  /** A collection opened deeper than {@link #MAX_NESTING}, at {@code at}. */
  private static final class TooDeep extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Mark at;

    TooDeep(Mark at) {
      super(null, null, false, false);
      this.at = at;
    }
  }
}
