package io.flowctl.server.pipeline;

/**
 * One thing wrong with a pipeline file, where it is and what was expected.
 *
 * @param file the file
 * @param line 1-based line
 * @param column 1-based column
 * @param message what is wrong and what is expected
 */
public record Problem(String file, int line, int column, String message) {
  @Override
  public String toString() {
    return file + ":" + line + ":" + column + ": " + message;
  }
}
