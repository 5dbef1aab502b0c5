package io.flowctl.testing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.vector.extension.UuidType;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Arbitrary logical values of a field (see {@link BatchData}). Ranges include the extremes of each
 * type (jqwik's edge cases), NaN and infinities, empty strings and non-ASCII text. Temporal values
 * stay within what a nanosecond unit can hold (years 1677–2262), so that every lossless widening of
 * the widening table holds them.
 */
final class ValueArbitraries {
  /** The largest epoch day whose midnight is representable in int64 nanoseconds. */
  private static final long MAX_DAY = 106_751;

  private ValueArbitraries() {}

  static Arbitrary<Object> of(Field field) {
    Arbitrary<Object> values = nonNull(field);
    return field.isNullable() ? values.injectNull(0.2) : values;
  }

  private static Arbitrary<Object> nonNull(Field field) {
    ArrowType t = field.getType();
    if (field.getDictionary() != null) {
      // Few distinct values, so that dictionaries repeat entries.
      return t instanceof ArrowType.Utf8
          ? Arbitraries.of("", "a", "b", "XLM", "é€").map(o -> o)
          : Arbitraries.longs().between(-3, 3).map(o -> o);
    }
    if (t instanceof UuidType) {
      return Arbitraries.bytes().array(byte[].class).ofSize(16).map(Bytes::new);
    }
    return switch (t.getTypeID()) {
      case Bool -> Arbitraries.of(true, false).map(o -> o);
      case Int -> integers((ArrowType.Int) t);
      case FloatingPoint ->
          switch (((ArrowType.FloatingPoint) t).getPrecision()) {
            case HALF -> Arbitraries.shorts().map(s -> (Object) (double) Float16.toFloat(s));
            case SINGLE ->
                Arbitraries.floats().withStandardSpecialValues().map(f -> (Object) (double) f);
            case DOUBLE -> Arbitraries.doubles().withStandardSpecialValues().map(d -> d);
          };
      case Decimal -> {
        ArrowType.Decimal d = (ArrowType.Decimal) t;
        BigInteger bound = BigInteger.TEN.pow(d.getPrecision()).subtract(BigInteger.ONE);
        yield Arbitraries.bigIntegers()
            .between(bound.negate(), bound)
            .map(u -> (Object) new BigDecimal(u, d.getScale()));
      }
      case Utf8, LargeUtf8 -> strings();
      case Binary, LargeBinary ->
          Arbitraries.bytes().array(byte[].class).ofMaxSize(8).map(Bytes::new);
      case FixedSizeBinary ->
          Arbitraries.bytes()
              .array(byte[].class)
              .ofSize(((ArrowType.FixedSizeBinary) t).getByteWidth())
              .map(Bytes::new);
      case Date ->
          Arbitraries.longs().between(-MAX_DAY, MAX_DAY).map(d -> (Object) LocalDate.ofEpochDay(d));
      case Time -> time(((ArrowType.Time) t).getUnit());
      case Timestamp -> {
        TimeUnit unit = ((ArrowType.Timestamp) t).getUnit();
        long bound =
            switch (unit) {
              case SECOND -> 9_223_372_035L;
              case MILLISECOND -> 9_223_372_035_000L;
              case MICROSECOND -> 9_223_372_035_000_000L;
              case NANOSECOND -> Long.MAX_VALUE;
            };
        yield Arbitraries.longs()
            .between(-bound, bound)
            .map(v -> (Object) LogicalValues.instant(v, unit));
      }
      case Struct -> struct(field);
      case List, LargeList ->
          of(field.getChildren().get(0)).list().ofMaxSize(3).map(ValueArbitraries::unmodifiable);
      case FixedSizeList ->
          of(field.getChildren().get(0))
              .list()
              .ofSize(((ArrowType.FixedSizeList) t).getListSize())
              .map(ValueArbitraries::unmodifiable);
      case Map -> {
        Field entries = field.getChildren().get(0);
        Arbitrary<Object> keys = nonNull(entries.getChildren().get(0));
        Arbitrary<Object> vals = of(entries.getChildren().get(1));
        yield Combinators.combine(keys, vals)
            .as((k, v) -> (Map.Entry<Object, Object>) new AbstractMap.SimpleImmutableEntry<>(k, v))
            .list()
            .ofMaxSize(3)
            .uniqueElements(Map.Entry::getKey)
            .map(l -> (Object) Collections.unmodifiableList(new ArrayList<Object>(l)));
      }
      default ->
          throw new IllegalArgumentException(
              "no value generator for field '" + field.getName() + "' of type " + t);
    };
  }

  private static Object unmodifiable(List<Object> l) {
    return Collections.unmodifiableList(new ArrayList<>(l));
  }

  private static Arbitrary<Object> integers(ArrowType.Int t) {
    int w = t.getBitWidth();
    if (t.getIsSigned()) {
      long max = w == 64 ? Long.MAX_VALUE : (1L << (w - 1)) - 1;
      return Arbitraries.longs().between(-max - 1, max).map(v -> v);
    }
    if (w == 64) {
      return Arbitraries.bigIntegers()
          .between(BigInteger.ZERO, BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE))
          .map(LogicalValues::integer);
    }
    return Arbitraries.longs().between(0, (1L << w) - 1).map(v -> v);
  }

  private static Arbitrary<Object> strings() {
    Arbitrary<String> text =
        Arbitraries.strings().withCharRange(' ', '~').withChars('é', 'ß', '€', '中').ofMaxLength(8);
    return Arbitraries.frequencyOf(
            Tuple.of(9, text), Tuple.of(1, text.map(s -> s + "\uD83D\uDE00")))
        .map(s -> s);
  }

  private static Arbitrary<Object> time(TimeUnit unit) {
    long perUnit =
        switch (unit) {
          case SECOND -> 1_000_000_000L;
          case MILLISECOND -> 1_000_000L;
          case MICROSECOND -> 1_000L;
          case NANOSECOND -> 1L;
        };
    long max = 86_400_000_000_000L / perUnit - 1;
    return Arbitraries.longs()
        .between(0, max)
        .map(v -> (Object) LocalTime.ofNanoOfDay(v * perUnit));
  }

  private static Arbitrary<Object> struct(Field field) {
    List<Arbitrary<Object>> children = new ArrayList<>();
    for (Field c : field.getChildren()) {
      children.add(of(c));
    }
    return Combinators.combine(children)
        .as(
            values -> {
              Map<String, Object> m = new LinkedHashMap<>();
              for (int i = 0; i < values.size(); i++) {
                m.put(field.getChildren().get(i).getName(), values.get(i));
              }
              return (Object) Collections.unmodifiableMap(m);
            });
  }
}
