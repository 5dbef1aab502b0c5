package io.flowctl.client.protobuf;

import io.flowctl.client.codec.CodecException;

/**
 * A protobuf message or an Arrow batch that cannot be converted: bytes that are not the message
 * they claim to be, a value out of the target's range, a column that is not the mapping of a field,
 * a message type without an Arrow mapping. The message names the message's index in its batch (when
 * there is one) and the field's path, as {@link #messageIndex()} and {@link #field()} do.
 */
public final class ProtoConversionException extends CodecException {
  private static final long serialVersionUID = 1L;

  private final int messageIndex;
  private final String field;

  ProtoConversionException(String message, int messageIndex, String field) {
    this(message, messageIndex, field, null);
  }

  ProtoConversionException(String message, int messageIndex, String field, Throwable cause) {
    super(message, cause);
    this.messageIndex = messageIndex;
    this.field = field == null ? "" : field;
  }

  /** The message's index in its batch or list, or -1 when the error is not about one message. */
  public int messageIndex() {
    return messageIndex;
  }

  /** The dotted path of the field or column, {@code []} marking a repeated field's items; or "". */
  public String field() {
    return field;
  }
}
