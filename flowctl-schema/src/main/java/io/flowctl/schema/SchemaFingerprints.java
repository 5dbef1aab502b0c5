package io.flowctl.schema;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Canonical form and fingerprints of Arrow schemas (specified in {@code docs/fingerprint.md}).
 *
 * <ul>
 *   <li>{@link #structural} ignores custom metadata except the {@code ARROW:extension:*} keys; two
 *       schemas with equal structural fingerprints hold the same data. Compatibility uses it.
 *   <li>{@link #withMetadata} adds schema and field metadata, keys sorted, for exact identity.
 * </ul>
 *
 * <p>Schemas are read in message format: a dictionary-encoded field has its value type. Convert the
 * schema of a root from an Arrow reader with {@link ArrowSchemas#messageFormat} first.
 *
 * <p>Fingerprints are computed once per distinct schema: the last schema seen is remembered by
 * identity (the hot path of a codec that reuses one {@code VectorSchemaRoot}), and up to {@value
 * #CACHE_SIZE} schemas by equality (a Caffeine cache). Thread-safe.
 */
public final class SchemaFingerprints {
  static final int CACHE_SIZE = 512;

  /** Both fingerprints of one schema. */
  private record Entry(Schema schema, Fingerprint structural, Fingerprint withMetadata) {}

  private static volatile Entry last;

  private static final Cache<Schema, Entry> CACHE =
      Caffeine.newBuilder().maximumSize(CACHE_SIZE).build();

  private SchemaFingerprints() {}

  /** The structural fingerprint: types, names, nullability, nesting, dictionaries, extensions. */
  public static Fingerprint structural(Schema schema) {
    return lookup(schema).structural();
  }

  /** The fingerprint including custom schema and field metadata. */
  public static Fingerprint withMetadata(Schema schema) {
    return lookup(schema).withMetadata();
  }

  /**
   * The canonical text that {@link #structural} (or, with {@code withMetadata}, {@link
   * #withMetadata}) hashes with SHA-256.
   */
  public static String canonicalForm(Schema schema, boolean withMetadata) {
    return CanonicalForm.of(schema, withMetadata);
  }

  /**
   * Computes one fingerprint without consulting or filling the cache, for callers that see each
   * schema once (and for measuring the uncached cost).
   */
  public static Fingerprint compute(Schema schema, boolean withMetadata) {
    return new Fingerprint("sha256:" + sha256Hex(CanonicalForm.of(schema, withMetadata)));
  }

  private static Entry lookup(Schema schema) {
    if (schema == null) {
      throw new SchemaException("schema is null");
    }
    Entry hit = last;
    if (hit != null && hit.schema() == schema) {
      return hit;
    }
    hit = CACHE.get(schema, s -> new Entry(s, compute(s, false), compute(s, true)));
    last = hit;
    return hit;
  }

  /** Empties the cache; for benchmarks that measure the cold path. */
  static void clearCache() {
    CACHE.invalidateAll();
    last = null;
  }

  static String sha256Hex(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
