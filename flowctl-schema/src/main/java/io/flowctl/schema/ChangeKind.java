package io.flowctl.schema;

/** What differs between two schemas at one field path. */
public enum ChangeKind {
  /** The new schema has a column (at any nesting level) the old one lacks. */
  COLUMN_ADDED,
  /** The old schema has a column the new one lacks. */
  COLUMN_REMOVED,
  /** A column sits under another parent in the new schema. */
  FIELD_MOVED,
  /** The order of columns under one parent changed; readers match by name. */
  COLUMNS_REORDERED,
  /** The new type reads every value of the old one (an entry of the widening table). */
  TYPE_WIDENED,
  /** The old type reads every value of the new one. */
  TYPE_NARROWED,
  /** Neither type reads the other's values. */
  TYPE_CHANGED,
  /** A non-nullable field became nullable. */
  NULLABILITY_RELAXED,
  /** A nullable field became non-nullable. */
  NULLABILITY_TIGHTENED,
  /** A plain field became dictionary-encoded. */
  DICTIONARY_ENCODED,
  /** A dictionary-encoded field became plain. */
  DICTIONARY_DECODED,
  /** The index type or the {@code ordered} flag of a dictionary changed. */
  DICTIONARY_CHANGED,
  /** A timestamp changed time zone; see {@link TimezonePolicy}. */
  TIMEZONE_CHANGED,
  /** Custom metadata differs; never affects compatibility. */
  METADATA_CHANGED,
  /** A name occurs twice under one parent; matching by name is ambiguous. */
  DUPLICATE_FIELD_NAME,
  /** A field has an empty name. */
  EMPTY_FIELD_NAME,
  /** Two names under one parent differ only in case; they are never merged. */
  NAME_CASE_CONFLICT,
  /** A field was renamed by changing only the case of its name; that is not the same field. */
  FIELD_RENAMED_CASE
}
