package io.flowctl.testing;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A binary value compared by content, printed as hex: how {@link BatchData} holds binary,
 * fixed-size binary and extension storage values.
 */
public record Bytes(byte[] value) {
  public Bytes {
    value = value.clone();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bytes b && Arrays.equals(value, b.value);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "0x" + HexFormat.of().formatHex(value);
  }
}
