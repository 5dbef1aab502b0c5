package io.flowctl.schema;

import java.util.regex.Pattern;

/**
 * A schema fingerprint, {@code sha256:<64 lowercase hex>}. How it is computed is specified in
 * {@code docs/fingerprint.md} and implemented by {@link SchemaFingerprints}.
 *
 * @param value the fingerprint text, e.g. {@code sha256:9f86d0…}
 */
public record Fingerprint(String value) {
  private static final Pattern FORMAT = Pattern.compile("sha256:[0-9a-f]{64}");

  public Fingerprint {
    if (value == null || !FORMAT.matcher(value).matches()) {
      throw new SchemaException(
          "not a schema fingerprint: '" + value + "' (expected sha256:<64 lowercase hex digits>)");
    }
  }

  /** Parses {@code sha256:<hex>}; throws {@link SchemaException} on any other text. */
  public static Fingerprint parse(String text) {
    return new Fingerprint(text);
  }

  /** The 64 hex digits without the {@code sha256:} prefix. */
  public String hex() {
    return value.substring("sha256:".length());
  }

  @Override
  public String toString() {
    return value;
  }
}
