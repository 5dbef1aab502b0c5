package io.flowctl.client.protobuf;

/**
 * A cursor over serialized protobuf in a byte array, for the converter's own parsing: varints,
 * fixed-width values, lengths and skipping, every read checked against {@link #end} (the end of the
 * message being read). Nested messages move {@code end} instead of pushing limits, and no varint
 * takes a slower path near the end of a message, as protobuf-java's decoder does within ten bytes
 * of a limit (every Timestamp is that short).
 */
final class Wire {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;

  byte[] b;
  int pos;
  int end;

  void reset(byte[] bytes, int offset, int length) {
    this.b = bytes;
    this.pos = offset;
    this.end = offset + length;
  }

  static ProtoConversionException truncated() {
    return new ProtoConversionException(
        "the message ends inside a field (truncated, or a length that is too large)", -1, "");
  }

  static ProtoConversionException malformed(String what) {
    return new ProtoConversionException("malformed protobuf: " + what, -1, "");
  }

  /** The next tag; 0 at the end of the message. */
  int readTag() {
    if (pos >= end) {
      return 0;
    }
    int tag = readVarint32();
    if ((tag >>> 3) == 0) {
      throw malformed("a field number of 0");
    }
    return tag;
  }

  long readVarint64() {
    int p = pos;
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) {
        throw truncated();
      }
      byte x = b[p++];
      result |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        pos = p;
        return result;
      }
    }
    throw malformed("a varint longer than ten bytes");
  }

  /** A varint as protobuf's 32-bit types read it: the low 32 bits of up to ten bytes. */
  int readVarint32() {
    int p = pos;
    if (p + 1 < end) {
      byte x = b[p];
      if (x >= 0) {
        pos = p + 1;
        return x;
      }
      byte y = b[p + 1];
      if (y >= 0) { // two bytes: tags of fields 16 to 2047, lengths up to 16 KiB
        pos = p + 2;
        return (x & 0x7F) | (y << 7);
      }
    } else if (p < end && b[p] >= 0) {
      pos = p + 1;
      return b[p];
    }
    return (int) readVarint64();
  }

  int readFixed32() {
    int p = pos;
    if (end - p < 4) {
      throw truncated();
    }
    pos = p + 4;
    return (b[p] & 0xFF)
        | (b[p + 1] & 0xFF) << 8
        | (b[p + 2] & 0xFF) << 16
        | (b[p + 3] & 0xFF) << 24;
  }

  long readFixed64() {
    return (readFixed32() & 0xFFFFFFFFL) | ((long) readFixed32() << 32);
  }

  /** A length prefix, checked against what is left. */
  int readLength() {
    int n = readVarint32();
    if (n < 0 || n > end - pos) {
      throw truncated();
    }
    return n;
  }

  /**
   * Enters the length-delimited value whose tag was just read: {@link #end} becomes its end.
   * Returns the outer end, for {@link #leave}.
   */
  int enter() {
    int length = readLength();
    int outer = end;
    end = pos + length;
    return outer;
  }

  /** Back to the message around a value {@link #enter} entered (read to its end). */
  void leave(int outer) {
    end = outer;
  }

  /** Skips the field whose tag was just read. */
  void skip(int tag) {
    switch (tag & 7) {
      case VARINT -> readVarint64();
      case FIXED64 -> skipBytes(8);
      case LENGTH_DELIMITED -> {
        int n = readLength(); // before pos is read: "pos += readLength()" would use the old pos
        pos += n;
      }
      case FIXED32 -> skipBytes(4);
      case START_GROUP -> {
        int number = tag >>> 3;
        while (true) {
          int t = readTag();
          if (t == 0) {
            throw truncated();
          }
          if ((t & 7) == END_GROUP) {
            if ((t >>> 3) != number) {
              throw malformed("an end-group tag that does not match its group");
            }
            return;
          }
          skip(t);
        }
      }
      case END_GROUP -> throw malformed("an end-group tag outside a group");
      default -> throw malformed("wire type " + (tag & 7));
    }
  }

  private void skipBytes(int n) {
    if (end - pos < n) {
      throw truncated();
    }
    pos += n;
  }
}
