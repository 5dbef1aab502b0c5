package io.flowctl.testing;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.arbitraries.ArbitraryDecorator;
import org.apache.arrow.vector.extension.UuidType;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arbitrary Arrow schemas. Immutable: every setting returns a new arbitrary. Names are short
 * lower-case words, unique under each parent (also ignoring case), so that shrunk counterexamples
 * read well and matching by name is never ambiguous; every dictionary-encoded field has its own id.
 *
 * <pre>{@code
 * @Provide
 * Arbitrary<Schema> flat() {
 *   return ArrowArbitraries.schemas().maxDepth(0).families(TypeFamily.INTEGER, TypeFamily.STRING);
 * }
 * }</pre>
 */
public final class SchemaArbitrary extends ArbitraryDecorator<Schema> {
  /** Time zones drawn for timestamps: none, UTC, a named zone and an offset. */
  static final List<String> ZONES = List.of("UTC", "America/New_York", "+05:30");

  private final int maxDepth;
  private final int minFields;
  private final int maxFields;
  private final Set<TypeFamily> families;
  private final boolean metadata;

  SchemaArbitrary() {
    this(2, 1, 5, EnumSet.allOf(TypeFamily.class), true);
  }

  private SchemaArbitrary(
      int maxDepth, int minFields, int maxFields, Set<TypeFamily> families, boolean metadata) {
    this.maxDepth = maxDepth;
    this.minFields = minFields;
    this.maxFields = maxFields;
    this.families = families;
    this.metadata = metadata;
  }

  /** How deep structs, lists and maps nest; 0 gives flat schemas. Default 2. */
  public SchemaArbitrary maxDepth(int depth) {
    if (depth < 0) {
      throw new IllegalArgumentException("depth must be >= 0: " + depth);
    }
    return new SchemaArbitrary(depth, minFields, maxFields, families, metadata);
  }

  /** How many fields the top level has. Default 1 to 5. */
  public SchemaArbitrary fields(int min, int max) {
    if (min < 0 || max < min) {
      throw new IllegalArgumentException("bad field count range " + min + ".." + max);
    }
    return new SchemaArbitrary(maxDepth, min, max, families, metadata);
  }

  /** The type families to draw from (at least one that is not nested). Default: all. */
  public SchemaArbitrary families(TypeFamily... chosen) {
    EnumSet<TypeFamily> set = EnumSet.noneOf(TypeFamily.class);
    set.addAll(List.of(chosen));
    if (set.stream().allMatch(TypeFamily::nested)) {
      throw new IllegalArgumentException("need at least one family of leaf types: " + set);
    }
    return new SchemaArbitrary(maxDepth, minFields, maxFields, set, metadata);
  }

  /** No custom metadata on the schema or its fields. By default some is added. */
  public SchemaArbitrary withoutMetadata() {
    return new SchemaArbitrary(maxDepth, minFields, maxFields, families, false);
  }

  @Override
  protected Arbitrary<Schema> arbitrary() {
    Arbitrary<List<Field>> top = fieldList(maxDepth, minFields, maxFields);
    return Combinators.combine(top, metadataMaps())
        .as((fields, meta) -> Fields.renumberDictionaries(new Schema(fields, nullIfEmpty(meta))));
  }

  /** Arbitrary types of the leaf families (no dictionary), for fields a test adds itself. */
  Arbitrary<ArrowType> leafTypes() {
    List<Arbitrary<ArrowType>> choices = new ArrayList<>();
    for (TypeFamily f : families) {
      Arbitrary<ArrowType> a = leafType(f);
      if (a != null) {
        choices.add(a);
      }
    }
    return choices.isEmpty()
        ? Arbitraries.just(ArrowType.Utf8.INSTANCE)
        : Arbitraries.oneOf(choices);
  }

  static Arbitrary<String> names() {
    return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(5);
  }

  private Arbitrary<List<Field>> fieldList(int depth, int min, int max) {
    return names()
        .list()
        .ofMinSize(min)
        .ofMaxSize(max)
        .uniqueElements(n -> n.toLowerCase(Locale.ROOT))
        .flatMap(
            ns -> {
              List<Arbitrary<Field>> fs = new ArrayList<>(ns.size());
              for (String n : ns) {
                fs.add(field(n, depth));
              }
              return Combinators.combine(fs).as(List::copyOf);
            });
  }

  private Arbitrary<Field> field(String name, int depth) {
    List<Tuple.Tuple2<Integer, Arbitrary<Field>>> choices = new ArrayList<>();
    Arbitrary<Boolean> nullable = Arbitraries.of(true, false);
    for (TypeFamily f : families) {
      Arbitrary<ArrowType> leaf = leafType(f);
      if (leaf != null) {
        choices.add(
            Tuple.of(
                4, Combinators.combine(leaf, nullable).as((t, n) -> Fields.of(name, n, t, null))));
      }
    }
    if (families.contains(TypeFamily.DICTIONARY)) {
      choices.add(Tuple.of(2, dictionaryField(name, nullable)));
    }
    if (families.contains(TypeFamily.EXTENSION)) {
      choices.add(Tuple.of(1, nullable.map(n -> Fields.of(name, n, UuidType.INSTANCE, null))));
    }
    if (depth > 0) {
      if (families.contains(TypeFamily.STRUCT)) {
        choices.add(
            Tuple.of(
                3,
                Combinators.combine(nullable, fieldList(depth - 1, 1, 3))
                    .as((n, cs) -> Fields.of(name, n, ArrowType.Struct.INSTANCE, cs))));
      }
      if (families.contains(TypeFamily.LIST)) {
        Arbitrary<ArrowType> listType =
            Arbitraries.oneOf(
                Arbitraries.of(ArrowType.List.INSTANCE, ArrowType.LargeList.INSTANCE),
                Arbitraries.integers().between(1, 3).map(ArrowType.FixedSizeList::new));
        choices.add(
            Tuple.of(
                3,
                Combinators.combine(nullable, listType, field("item", depth - 1))
                    .as((n, t, item) -> Fields.of(name, n, t, List.of(item)))));
      }
      if (families.contains(TypeFamily.MAP)) {
        Arbitrary<ArrowType> keyType =
            Arbitraries.of(
                ArrowType.Utf8.INSTANCE, new ArrowType.Int(32, true), new ArrowType.Int(64, true));
        choices.add(
            Tuple.of(
                2,
                Combinators.combine(
                        nullable, Arbitraries.of(true, false), keyType, field("value", depth - 1))
                    .as(
                        (n, sorted, kt, value) ->
                            Fields.of(
                                name,
                                n,
                                new ArrowType.Map(sorted),
                                List.of(
                                    Fields.of(
                                        "entries",
                                        false,
                                        ArrowType.Struct.INSTANCE,
                                        List.of(Fields.of("key", false, kt, null), value)))))));
      }
    }
    Arbitrary<Field> f = Arbitraries.frequencyOf(choices.toArray(Tuple.Tuple2[]::new));
    if (!metadata) {
      return f;
    }
    return Combinators.combine(f, metadataMaps())
        .as((field, meta) -> meta.isEmpty() ? field : Fields.withMetadata(field, meta));
  }

  private static Arbitrary<Field> dictionaryField(String name, Arbitrary<Boolean> nullable) {
    Arbitrary<ArrowType> valueType =
        Arbitraries.of(ArrowType.Utf8.INSTANCE, new ArrowType.Int(64, true));
    Arbitrary<ArrowType.Int> indexType =
        Arbitraries.of(8, 16, 32, 64).map(w -> new ArrowType.Int(w, true));
    return Combinators.combine(nullable, valueType, indexType, Arbitraries.of(false, true))
        .as(
            (n, vt, it, ordered) ->
                new Field(
                    name, new FieldType(n, vt, new DictionaryEncoding(0, ordered, it)), null));
  }

  private Arbitrary<Map<String, String>> metadataMaps() {
    if (!metadata) {
      return Arbitraries.just(Map.of());
    }
    Arbitrary<Map<String, String>> some =
        Arbitraries.maps(names(), Arbitraries.strings().alpha().ofMaxLength(6))
            .ofMinSize(1)
            .ofMaxSize(2);
    return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(Map.of())), Tuple.of(1, some));
  }

  private static Map<String, String> nullIfEmpty(Map<String, String> m) {
    return m.isEmpty() ? null : m;
  }

  /** The leaf types of one family, or null for families that are not leaves. */
  static Arbitrary<ArrowType> leafType(TypeFamily family) {
    return switch (family) {
      case BOOLEAN -> Arbitraries.just(ArrowType.Bool.INSTANCE);
      case INTEGER ->
          Combinators.combine(Arbitraries.of(8, 16, 32, 64), Arbitraries.of(true, false))
              .as(ArrowType.Int::new);
      case FLOATING ->
          Arbitraries.of(FloatingPointPrecision.values()).map(ArrowType.FloatingPoint::new);
      case DECIMAL ->
          Arbitraries.of(128, 256)
              .flatMap(
                  w ->
                      Arbitraries.integers()
                          .between(1, w == 128 ? 38 : 76)
                          .flatMap(
                              p ->
                                  Arbitraries.integers()
                                      .between(0, Math.min(p, 12))
                                      .map(s -> (ArrowType) new ArrowType.Decimal(p, s, w))));
      case STRING -> Arbitraries.of(ArrowType.Utf8.INSTANCE, ArrowType.LargeUtf8.INSTANCE);
      case BINARY ->
          Arbitraries.oneOf(
              Arbitraries.of(ArrowType.Binary.INSTANCE, ArrowType.LargeBinary.INSTANCE),
              Arbitraries.integers().between(1, 8).map(ArrowType.FixedSizeBinary::new));
      case TEMPORAL ->
          Arbitraries.oneOf(
              Arbitraries.of(DateUnit.values()).map(ArrowType.Date::new),
              Arbitraries.of(
                  new ArrowType.Time(TimeUnit.SECOND, 32),
                  new ArrowType.Time(TimeUnit.MILLISECOND, 32),
                  new ArrowType.Time(TimeUnit.MICROSECOND, 64),
                  new ArrowType.Time(TimeUnit.NANOSECOND, 64)),
              Combinators.combine(
                      Arbitraries.of(TimeUnit.values()), Arbitraries.of(ZONES).injectNull(0.4))
                  .as(ArrowType.Timestamp::new));
      default -> null;
    };
  }
}
