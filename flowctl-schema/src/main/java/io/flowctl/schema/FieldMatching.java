package io.flowctl.schema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Pairs the children of one parent in two schemas. Shared by the checker and the projector so that
 * both see the same pairs. When both sides list the same names in the same order the pairing is
 * positional, which keeps schemas with duplicate names comparable with themselves; otherwise fields
 * are paired by exact name, and names that occur twice on either side pair with nothing.
 */
record FieldMatching(
    List<int[]> pairs, List<Integer> onlyOld, List<Integer> onlyNew, Set<String> ambiguous) {

  static FieldMatching of(List<Field> oldFields, List<Field> newFields) {
    List<int[]> pairs = new ArrayList<>();
    List<Integer> onlyOld = new ArrayList<>();
    List<Integer> onlyNew = new ArrayList<>();
    if (names(oldFields).equals(names(newFields))) {
      for (int i = 0; i < oldFields.size(); i++) {
        pairs.add(new int[] {i, i});
      }
      return new FieldMatching(pairs, onlyOld, onlyNew, Set.of());
    }
    Set<String> ambiguous = new LinkedHashSet<>(duplicates(oldFields));
    ambiguous.addAll(duplicates(newFields));
    Map<String, Integer> newIndex = new HashMap<>();
    for (int j = 0; j < newFields.size(); j++) {
      newIndex.put(newFields.get(j).getName(), j);
    }
    Set<Integer> pairedNew = new java.util.HashSet<>();
    for (int i = 0; i < oldFields.size(); i++) {
      String name = oldFields.get(i).getName();
      if (ambiguous.contains(name)) {
        continue;
      }
      Integer j = newIndex.get(name);
      if (j == null) {
        onlyOld.add(i);
      } else {
        pairs.add(new int[] {i, j});
        pairedNew.add(j);
      }
    }
    for (int j = 0; j < newFields.size(); j++) {
      if (!pairedNew.contains(j) && !ambiguous.contains(newFields.get(j).getName())) {
        onlyNew.add(j);
      }
    }
    return new FieldMatching(pairs, onlyOld, onlyNew, ambiguous);
  }

  static List<String> names(List<Field> fields) {
    List<String> names = new ArrayList<>(fields.size());
    for (Field f : fields) {
      names.add(f.getName());
    }
    return names;
  }

  static Set<String> duplicates(List<Field> fields) {
    Set<String> seen = new java.util.HashSet<>();
    Set<String> dup = new LinkedHashSet<>();
    for (Field f : fields) {
      if (!seen.add(f.getName())) {
        dup.add(f.getName());
      }
    }
    return dup;
  }
}
