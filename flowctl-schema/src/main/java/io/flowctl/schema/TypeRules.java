package io.flowctl.schema;

import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/** The widening table as code: which type changes a reader absorbs without losing a value. */
final class TypeRules {
  private TypeRules() {}

  /**
   * Whether {@code to} reads every value of {@code from} under {@code rules}; never for equal
   * types.
   */
  static boolean widens(ArrowType from, ArrowType to, CompatibilityRules rules) {
    if (from instanceof ArrowType.Int f && to instanceof ArrowType.Int t) {
      return intWidens(f, t, rules);
    }
    if (from instanceof ArrowType.Int f && to instanceof ArrowType.FloatingPoint t) {
      if (t.getPrecision() != FloatingPointPrecision.DOUBLE) {
        return false;
      }
      return f.getBitWidth() <= 32
          ? rules.allows(Widening.INTEGER_TO_FLOAT64)
          : rules.allows(Widening.INT64_TO_FLOAT64);
    }
    if (from instanceof ArrowType.FloatingPoint f && to instanceof ArrowType.FloatingPoint t) {
      return rules.allows(Widening.FLOAT_WIDER) && rank(t.getPrecision()) > rank(f.getPrecision());
    }
    if (from instanceof ArrowType.Decimal f && to instanceof ArrowType.Decimal t) {
      if (f.getScale() != t.getScale() || t.getPrecision() < f.getPrecision()) {
        return false;
      }
      if (t.getBitWidth() < f.getBitWidth()) {
        return false;
      }
      boolean precisionOk =
          t.getPrecision() == f.getPrecision() || rules.allows(Widening.DECIMAL_PRECISION_UP);
      boolean widthOk =
          t.getBitWidth() == f.getBitWidth() || rules.allows(Widening.DECIMAL_128_TO_256);
      return precisionOk && widthOk && !f.equals(t);
    }
    if (from instanceof ArrowType.Utf8 && to instanceof ArrowType.LargeUtf8) {
      return rules.allows(Widening.UTF8_TO_LARGE_UTF8);
    }
    if (from instanceof ArrowType.Binary && to instanceof ArrowType.LargeBinary) {
      return rules.allows(Widening.BINARY_TO_LARGE_BINARY);
    }
    if (from instanceof ArrowType.Date f && to instanceof ArrowType.Date t) {
      return f.getUnit() == DateUnit.DAY
          && t.getUnit() == DateUnit.MILLISECOND
          && rules.allows(Widening.DATE32_TO_DATE64);
    }
    if (from instanceof ArrowType.Time f && to instanceof ArrowType.Time t) {
      return rules.allows(Widening.TIME_FINER_UNIT) && rank(t.getUnit()) > rank(f.getUnit());
    }
    if (from instanceof ArrowType.Timestamp f && to instanceof ArrowType.Timestamp t) {
      return rules.allows(Widening.TIMESTAMP_FINER_UNIT)
          && rank(t.getUnit()) > rank(f.getUnit())
          && zonesCompatible(f.getTimezone(), t.getTimezone(), rules);
    }
    return false;
  }

  static boolean intWidens(ArrowType.Int from, ArrowType.Int to, CompatibilityRules rules) {
    if (to.getBitWidth() <= from.getBitWidth()) {
      return false;
    }
    if (from.getIsSigned() == to.getIsSigned()) {
      return rules.allows(Widening.INTEGER_WIDER);
    }
    return !from.getIsSigned() && rules.allows(Widening.UNSIGNED_TO_WIDER_SIGNED);
  }

  /** Timestamps that differ only in zone: equal under EXACT only when equal, else per policy. */
  static boolean zonesCompatible(String from, String to, CompatibilityRules rules) {
    if (Objects.equals(from, to)) {
      return true;
    }
    return rules.timezonePolicy() == TimezonePolicy.ANY_ZONE && from != null && to != null;
  }

  /** Whether a dictionary with this index type can index any batch Arrow Java can hold. */
  static boolean indexHoldsAnyBatch(ArrowType.Int index) {
    return index.getBitWidth() >= 32;
  }

  static ArrowType.Int indexType(org.apache.arrow.vector.types.pojo.DictionaryEncoding d) {
    return d.getIndexType() == null ? new ArrowType.Int(32, true) : d.getIndexType();
  }

  static int rank(FloatingPointPrecision p) {
    return p.ordinal();
  }

  static int rank(TimeUnit unit) {
    return switch (unit) {
      case SECOND -> 0;
      case MILLISECOND -> 1;
      case MICROSECOND -> 2;
      case NANOSECOND -> 3;
    };
  }

  /** How many units of {@code to} one unit of {@code from} is (from coarser than to). */
  static long factor(TimeUnit from, TimeUnit to) {
    long f = 1;
    for (int r = rank(from); r < rank(to); r++) {
      f *= 1000;
    }
    return f;
  }

  /** An extension type's name and metadata as text; null for other types. */
  static String extensionOf(Field f) {
    if (f.getType() instanceof ArrowType.ExtensionType ext) {
      return ext.extensionName() + "(" + ext.serialize() + ")";
    }
    Map<String, String> md = f.getMetadata();
    String name = md == null ? null : md.get(ArrowType.ExtensionType.EXTENSION_METADATA_KEY_NAME);
    return name == null
        ? null
        : name
            + "("
            + md.getOrDefault(ArrowType.ExtensionType.EXTENSION_METADATA_KEY_METADATA, "")
            + ")";
  }

  /** The type an extension type stores its values as; other types as they are. */
  static ArrowType storage(ArrowType t) {
    return t instanceof ArrowType.ExtensionType ext ? ext.storageType() : t;
  }
}
