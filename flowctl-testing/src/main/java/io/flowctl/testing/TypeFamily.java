package io.flowctl.testing;

/** Groups of Arrow types a {@link SchemaArbitrary} may draw from. */
public enum TypeFamily {
  /** bool. */
  BOOLEAN,
  /** int8 … int64 and uint8 … uint64. */
  INTEGER,
  /** float16, float32, float64. */
  FLOATING,
  /** decimal128 and decimal256 of any precision and scale. */
  DECIMAL,
  /** utf8 and large_utf8. */
  STRING,
  /** binary, large_binary and fixed_size_binary. */
  BINARY,
  /** date32/64, time32/64 in every unit, timestamps in every unit with and without time zones. */
  TEMPORAL,
  /** struct of further fields. */
  STRUCT,
  /** list, large_list and fixed_size_list. */
  LIST,
  /** map with primitive keys, sorted or not. */
  MAP,
  /** dictionary-encoded utf8 and int64 with signed index types. */
  DICTIONARY,
  /** the canonical {@code arrow.uuid} extension type. */
  EXTENSION;

  /** Families whose types hold further fields. */
  public boolean nested() {
    return this == STRUCT || this == LIST || this == MAP;
  }
}
