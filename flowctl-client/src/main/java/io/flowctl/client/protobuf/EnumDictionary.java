package io.flowctl.client.protobuf;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;

/**
 * The dictionary of an enum column as {@link WireToArrow} fills it: the enum's value names, then
 * the numbers the enum does not declare, as text, in the order a batch meets them.
 */
final class EnumDictionary {
  final DictionaryEncoding encoding;
  final List<String> names = new ArrayList<>();
  private final Map<Integer, Integer> byNumber = new HashMap<>();

  private final EnumDescriptor type;

  EnumDictionary(EnumDescriptor type, DictionaryEncoding encoding) {
    this.encoding = encoding;
    this.type = type;
    clear();
  }

  /** Back to the enum's own values: numbers it does not declare are this batch's. */
  void clear() {
    names.clear();
    byNumber.clear();
    for (EnumValueDescriptor v : type.getValues()) {
      if (!byNumber.containsKey(v.getNumber())) { // an alias keeps the first name
        byNumber.put(v.getNumber(), names.size());
        names.add(v.getName());
      }
    }
  }

  int indexOf(int number) {
    Integer i = byNumber.get(number);
    if (i == null) {
      i = names.size();
      byNumber.put(number, i);
      names.add(Integer.toString(number));
    }
    return i;
  }
}
