package io.flowctl.testing;

import static io.flowctl.schema.CompatibilityLevel.BACKWARD;
import static io.flowctl.schema.CompatibilityLevel.FORWARD;
import static io.flowctl.schema.CompatibilityLevel.FULL;
import static io.flowctl.schema.CompatibilityLevel.NONE;

import io.flowctl.schema.CompatibilityLevel;
import io.flowctl.testing.Evolution.Kind;
import io.flowctl.testing.Evolution.Step;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Applies a list of (kind, choice) seeds to a schema. Seeds are what jqwik generates and shrinks;
 * the choice picks a target among the fields a kind can apply to. A seed without a possible target
 * is skipped. Each step touches a path that no later step may touch again (nor its ancestors or
 * descendants), so that steps never interact and the expected level is the meet of theirs.
 */
final class Evolver {
  /** One generated step before it meets a schema. */
  record Seed(Kind kind, int choice) {}

  /** Types a test-added field gets, picked by the seed's choice. */
  private static final List<ArrowType> ADDED_TYPES =
      List.of(
          new ArrowType.Int(64, true),
          ArrowType.Utf8.INSTANCE,
          new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE),
          ArrowType.Bool.INSTANCE,
          new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC"),
          new ArrowType.Decimal(12, 2, 128));

  private Schema current;
  private final List<Step> steps = new ArrayList<>();
  private final List<List<String>> touched = new ArrayList<>();
  private int fresh;
  private long nextDictionaryId;

  private Evolver(Schema base) {
    this.current = base;
    this.nextDictionaryId = Fields.maxDictionaryId(base) + 1;
    for (List<String> p : Fields.paths(base)) {
      String n = p.get(p.size() - 1);
      if (n.startsWith("new_") || n.startsWith("moved_")) {
        try {
          fresh = Math.max(fresh, Integer.parseInt(n.substring(n.indexOf('_') + 1)) + 1);
        } catch (NumberFormatException ignored) {
          // not one of ours
        }
      }
    }
  }

  static Evolution apply(Schema base, List<Seed> seeds) {
    Evolver e = new Evolver(base);
    for (Seed s : seeds) {
      e.step(s);
    }
    return new Evolution(base, e.current, e.steps);
  }

  private void step(Seed seed) {
    List<List<String>> targets = targets(seed.kind());
    if (targets.isEmpty()) {
      return;
    }
    List<String> target = targets.get(Math.floorMod(seed.choice(), targets.size()));
    int choice = seed.choice() / targets.size();
    switch (seed.kind()) {
      case ADD_NULLABLE, ADD_REQUIRED -> add(target, seed.kind() == Kind.ADD_NULLABLE, choice);
      case REMOVE_NULLABLE, REMOVE_REQUIRED -> remove(target, seed.kind());
      case REORDER -> reorder(target, choice);
      case WIDEN, NARROW -> retype(target, seed.kind(), choice);
      case RELAX_NULLABILITY, TIGHTEN_NULLABILITY -> nullability(target, seed.kind());
      case DICTIONARY_ENCODE -> encode(target, choice);
      case DICTIONARY_DECODE -> decode(target);
      case MOVE_NESTED -> move(target);
      case CHANGE_TYPE -> changeType(target);
    }
  }

  // ---- targets ----

  private List<List<String>> targets(Kind kind) {
    List<List<String>> out = new ArrayList<>();
    switch (kind) {
      case ADD_NULLABLE, ADD_REQUIRED -> {
        out.add(List.of());
        for (List<String> p : Fields.paths(current)) {
          if (isContainer(p) && free(p)) {
            out.add(p);
          }
        }
      }
      case REORDER -> {
        if (current.getFields().size() >= 2) {
          out.add(List.of());
        }
        for (List<String> p : Fields.paths(current)) {
          if (isContainer(p) && free(p) && Fields.get(current, p).getChildren().size() >= 2) {
            out.add(p);
          }
        }
      }
      default -> {
        for (List<String> p : Fields.paths(current)) {
          if (free(p) && applies(kind, p)) {
            out.add(p);
          }
        }
      }
    }
    return out;
  }

  private boolean applies(Kind kind, List<String> p) {
    Field f = Fields.get(current, p);
    boolean mapInternal = isMapEntries(p) || isMapKey(p);
    boolean plain = f.getDictionary() == null && !(f.getType() instanceof ArrowType.ExtensionType);
    return switch (kind) {
      case REMOVE_NULLABLE, REMOVE_REQUIRED ->
          inContainer(p) && f.isNullable() == (kind == Kind.REMOVE_NULLABLE) && siblings(p) >= 2;
      case WIDEN -> plain && !mapInternal && !wider(f.getType()).isEmpty();
      case NARROW -> plain && !mapInternal && !narrower(f.getType()).isEmpty();
      case RELAX_NULLABILITY -> !mapInternal && !f.isNullable();
      case TIGHTEN_NULLABILITY -> !mapInternal && f.isNullable();
      case DICTIONARY_ENCODE -> plain && !mapInternal && encodable(f.getType());
      case DICTIONARY_DECODE -> f.getDictionary() != null;
      case MOVE_NESTED -> p.size() == 1 && current.getFields().size() >= 2;
      case CHANGE_TYPE -> f.getDictionary() == null && f.getChildren().isEmpty() && !mapInternal;
      default -> false;
    };
  }

  /** Whether no earlier step touched this path, an ancestor or a descendant of it. */
  private boolean free(List<String> p) {
    for (List<String> t : touched) {
      int n = Math.min(t.size(), p.size());
      if (t.subList(0, n).equals(p.subList(0, n))) {
        return false;
      }
    }
    return true;
  }

  /** A struct whose children may be added, removed and reordered (not a map's entries). */
  private boolean isContainer(List<String> p) {
    return Fields.get(current, p).getType() instanceof ArrowType.Struct && !isMapEntries(p);
  }

  /** Whether the field's parent is the top level or a container struct. */
  private boolean inContainer(List<String> p) {
    return p.size() == 1 || isContainer(p.subList(0, p.size() - 1));
  }

  private int siblings(List<String> p) {
    return p.size() == 1
        ? current.getFields().size()
        : Fields.get(current, p.subList(0, p.size() - 1)).getChildren().size();
  }

  private boolean isMapEntries(List<String> p) {
    return p.size() >= 2
        && Fields.get(current, p.subList(0, p.size() - 1)).getType() instanceof ArrowType.Map;
  }

  private boolean isMapKey(List<String> p) {
    return p.size() >= 3
        && isMapEntries(p.subList(0, p.size() - 1))
        && p.get(p.size() - 1).equals("key");
  }

  // ---- changes ----

  private void add(List<String> container, boolean nullable, int choice) {
    String name = "new_" + fresh++;
    ArrowType type = ADDED_TYPES.get(Math.floorMod(choice, ADDED_TYPES.size()));
    int at = choice / ADDED_TYPES.size();
    Field added = Fields.of(name, nullable, type, null);
    current =
        Fields.updateChildren(
            current,
            container,
            children -> {
              List<Field> out = new ArrayList<>(children);
              out.add(Math.floorMod(at, children.size() + 1), added);
              return out;
            });
    List<String> path = append(container, name);
    touched.add(path);
    if (nullable) {
      record(Kind.ADD_NULLABLE, path, type.toString(), BACKWARD, FULL);
    } else {
      record(Kind.ADD_REQUIRED, path, type.toString(), NONE, FORWARD);
    }
  }

  private void remove(List<String> path, Kind kind) {
    String name = path.get(path.size() - 1);
    Field f = Fields.get(current, path);
    current =
        Fields.updateChildren(
            current,
            path.subList(0, path.size() - 1),
            children -> children.stream().filter(c -> !c.getName().equals(name)).toList());
    touched.add(path);
    if (kind == Kind.REMOVE_NULLABLE) {
      record(kind, path, f.getType().toString(), FORWARD, FULL);
    } else {
      record(kind, path, f.getType().toString(), NONE, BACKWARD);
    }
  }

  private void reorder(List<String> container, int choice) {
    current =
        Fields.updateChildren(
            current,
            container,
            children -> {
              int k = 1 + Math.floorMod(choice, children.size() - 1);
              List<Field> out = new ArrayList<>(children.subList(k, children.size()));
              out.addAll(children.subList(0, k));
              return out;
            });
    if (!container.isEmpty()) {
      touched.add(container);
    }
    record(Kind.REORDER, container, "rotated", FULL, FULL);
  }

  private void retype(List<String> path, Kind kind, int choice) {
    Field f = Fields.get(current, path);
    List<ArrowType> options = kind == Kind.WIDEN ? wider(f.getType()) : narrower(f.getType());
    ArrowType to = options.get(Math.floorMod(choice, options.size()));
    current = Fields.updateField(current, path, g -> Fields.withType(g, to));
    touched.add(path);
    CompatibilityLevel level = kind == Kind.WIDEN ? BACKWARD : FORWARD;
    record(kind, path, f.getType() + " -> " + to, level, level);
  }

  private void nullability(List<String> path, Kind kind) {
    boolean relax = kind == Kind.RELAX_NULLABILITY;
    current = Fields.updateField(current, path, g -> Fields.withNullable(g, relax));
    touched.add(path);
    CompatibilityLevel level = relax ? BACKWARD : FORWARD;
    record(kind, path, relax ? "now nullable" : "now non-null", level, level);
  }

  private void encode(List<String> path, int choice) {
    int width = List.of(32, 64, 8, 16).get(Math.floorMod(choice, 4));
    DictionaryEncoding d =
        new DictionaryEncoding(nextDictionaryId++, false, new ArrowType.Int(width, true));
    current = Fields.updateField(current, path, g -> Fields.withDictionary(g, d));
    touched.add(path);
    // Old readers decode; new readers encode old data only if the index holds any batch.
    CompatibilityLevel level = width >= 32 ? FULL : FORWARD;
    record(Kind.DICTIONARY_ENCODE, path, "index int" + width, level, level);
  }

  private void decode(List<String> path) {
    Field f = Fields.get(current, path);
    DictionaryEncoding d = f.getDictionary();
    int width = d.getIndexType().getBitWidth();
    current = Fields.updateField(current, path, g -> Fields.withDictionary(g, null));
    touched.add(path);
    // Old readers must encode new data: impossible into a small index or an ordered dictionary.
    CompatibilityLevel level = width >= 32 && !d.isOrdered() ? FULL : BACKWARD;
    record(
        Kind.DICTIONARY_DECODE,
        path,
        "was index int" + width + (d.isOrdered() ? ", ordered" : ""),
        level,
        level);
  }

  private void move(List<String> path) {
    Field f = Fields.get(current, path);
    String holder = "moved_" + fresh++;
    List<Field> fields = new ArrayList<>(current.getFields());
    fields.removeIf(g -> g.getName().equals(f.getName()));
    fields.add(Fields.of(holder, true, ArrowType.Struct.INSTANCE, List.of(f)));
    current = new Schema(fields, current.getCustomMetadata());
    touched.add(path);
    touched.add(List.of(holder));
    record(Kind.MOVE_NESTED, path, "into " + holder, NONE, NONE);
  }

  private void changeType(List<String> path) {
    Field f = Fields.get(current, path);
    ArrowType to =
        f.getType() instanceof ArrowType.Bool ? ArrowType.Utf8.INSTANCE : ArrowType.Bool.INSTANCE;
    current = Fields.updateField(current, path, g -> Fields.withType(g, to));
    touched.add(path);
    record(Kind.CHANGE_TYPE, path, f.getType() + " -> " + to, NONE, NONE);
  }

  private void record(
      Kind kind,
      List<String> path,
      String detail,
      CompatibilityLevel closed,
      CompatibilityLevel projecting) {
    steps.add(new Step(kind, String.join(".", path), detail, closed, projecting));
  }

  private static List<String> append(List<String> p, String name) {
    List<String> out = new ArrayList<>(p);
    out.add(name);
    return List.copyOf(out);
  }

  // ---- the widening table, as the plan states it ----

  private static boolean encodable(ArrowType t) {
    return t instanceof ArrowType.Utf8
        || (t instanceof ArrowType.Int i && i.getBitWidth() == 64 && i.getIsSigned());
  }

  /** Types the widening table lets {@code t} become. */
  static List<ArrowType> wider(ArrowType t) {
    List<ArrowType> out = new ArrayList<>();
    if (t instanceof ArrowType.Int i) {
      for (int w = i.getBitWidth() * 2; w <= 64; w *= 2) {
        out.add(new ArrowType.Int(w, i.getIsSigned()));
        if (!i.getIsSigned()) {
          out.add(new ArrowType.Int(w, true));
        }
      }
      if (i.getBitWidth() <= 32) {
        out.add(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
      }
    } else if (t instanceof ArrowType.FloatingPoint f) {
      for (FloatingPointPrecision p : FloatingPointPrecision.values()) {
        if (p.ordinal() > f.getPrecision().ordinal()) {
          out.add(new ArrowType.FloatingPoint(p));
        }
      }
    } else if (t instanceof ArrowType.Decimal d) {
      int max = d.getBitWidth() == 128 ? 38 : 76;
      if (d.getPrecision() < max) {
        out.add(new ArrowType.Decimal(d.getPrecision() + 1, d.getScale(), d.getBitWidth()));
      }
      if (d.getBitWidth() == 128) {
        out.add(new ArrowType.Decimal(d.getPrecision(), d.getScale(), 256));
      }
    } else if (t instanceof ArrowType.Utf8) {
      out.add(ArrowType.LargeUtf8.INSTANCE);
    } else if (t instanceof ArrowType.Binary) {
      out.add(ArrowType.LargeBinary.INSTANCE);
    } else if (t instanceof ArrowType.List) {
      out.add(ArrowType.LargeList.INSTANCE);
    } else if (t instanceof ArrowType.Date d && d.getUnit() == DateUnit.DAY) {
      out.add(new ArrowType.Date(DateUnit.MILLISECOND));
    } else if (t instanceof ArrowType.Time tm) {
      for (TimeUnit u : TimeUnit.values()) {
        if (u.ordinal() > tm.getUnit().ordinal()) {
          out.add(new ArrowType.Time(u, u.ordinal() >= TimeUnit.MICROSECOND.ordinal() ? 64 : 32));
        }
      }
    } else if (t instanceof ArrowType.Timestamp ts) {
      for (TimeUnit u : TimeUnit.values()) {
        if (u.ordinal() > ts.getUnit().ordinal()) {
          out.add(new ArrowType.Timestamp(u, ts.getTimezone()));
        }
      }
    } else if (t instanceof ArrowType.Map m && m.getKeysSorted()) {
      out.add(new ArrowType.Map(false));
    }
    return out;
  }

  /** Types {@code t} could have been widened from. */
  static List<ArrowType> narrower(ArrowType t) {
    List<ArrowType> candidates = new ArrayList<>();
    for (int w : new int[] {8, 16, 32, 64}) {
      candidates.add(new ArrowType.Int(w, true));
      candidates.add(new ArrowType.Int(w, false));
    }
    for (FloatingPointPrecision p : FloatingPointPrecision.values()) {
      candidates.add(new ArrowType.FloatingPoint(p));
    }
    if (t instanceof ArrowType.Decimal d) {
      if (d.getPrecision() > 1) {
        candidates.add(new ArrowType.Decimal(d.getPrecision() - 1, d.getScale(), d.getBitWidth()));
      }
      if (d.getBitWidth() == 256 && d.getPrecision() <= 38) {
        candidates.add(new ArrowType.Decimal(d.getPrecision(), d.getScale(), 128));
      }
    }
    candidates.add(ArrowType.Utf8.INSTANCE);
    candidates.add(ArrowType.Binary.INSTANCE);
    candidates.add(ArrowType.List.INSTANCE);
    candidates.add(new ArrowType.Date(DateUnit.DAY));
    candidates.add(new ArrowType.Time(TimeUnit.SECOND, 32));
    candidates.add(new ArrowType.Time(TimeUnit.MILLISECOND, 32));
    candidates.add(new ArrowType.Time(TimeUnit.MICROSECOND, 64));
    if (t instanceof ArrowType.Timestamp ts) {
      for (TimeUnit u : TimeUnit.values()) {
        candidates.add(new ArrowType.Timestamp(u, ts.getTimezone()));
      }
    }
    candidates.add(new ArrowType.Map(true));
    List<ArrowType> out = new ArrayList<>();
    for (ArrowType c : candidates) {
      if (wider(c).contains(t)) {
        out.add(c);
      }
    }
    return out;
  }
}
