package io.flowctl.schema;

/**
 * Entries of the widening table: type changes after which a reader of the new type reads every
 * value of the old type unchanged. Each applies recursively inside structs, list elements and map
 * keys and values. {@link CompatibilityRules#defaults()} enables all but {@link #INT64_TO_FLOAT64}.
 */
public enum Widening {
  /** intN → intM, M &gt; N, same signedness (int8 → int16 → int32 → int64, uint8 → … uint64). */
  INTEGER_WIDER,
  /** uintN → intM with M &gt; N (uint8 → int16, uint32 → int64). */
  UNSIGNED_TO_WIDER_SIGNED,
  /** float16 → float32 → float64. */
  FLOAT_WIDER,
  /** Integers of at most 32 bits → float64, which holds each of them exactly. */
  INTEGER_TO_FLOAT64,
  /** int64 / uint64 → float64. Not exact beyond 2^53, so off by default. */
  INT64_TO_FLOAT64,
  /** decimal(p, s) → decimal(q, s) with q &gt; p: more precision at the same scale. */
  DECIMAL_PRECISION_UP,
  /** decimal128 → decimal256 with no less precision and the same scale. */
  DECIMAL_128_TO_256,
  /** utf8 → large_utf8. */
  UTF8_TO_LARGE_UTF8,
  /** binary → large_binary. */
  BINARY_TO_LARGE_BINARY,
  /** list → large_list (elements compared recursively). */
  LIST_TO_LARGE_LIST,
  /** date32 (days) → date64 (milliseconds). */
  DATE32_TO_DATE64,
  /** time32/64 to a finer unit (s → ms → µs → ns); a time of day fits every unit. */
  TIME_FINER_UNIT,
  /**
   * timestamp to a finer unit with the same time zone. Exact for every instant the finer unit can
   * represent (nanoseconds: years 1677–2262); projecting an instant outside fails with a typed
   * error naming the column and row.
   */
  TIMESTAMP_FINER_UNIT,
  /** map with sorted keys → map without the sorted-keys promise. */
  MAP_KEYS_UNSORTED,
  /** dictionary-encoded → plain of the same value type (the reader decodes). */
  DICTIONARY_DECODE,
  /**
   * plain → dictionary-encoded of the same value type (the reader encodes), when the reader's index
   * type has at least 32 bits so that every batch fits; dictionary index types widen likewise.
   */
  DICTIONARY_ENCODE
}
