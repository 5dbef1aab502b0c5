package io.flowctl.client.codec.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The payload channels: what goes in comes out, in few pieces. */
class ByteStringChannelsProperties {
  @Property(tries = 200)
  void anOutputHoldsEveryByteWritten_inOrder(
      @ForAll @IntRange(min = 0, max = 1 << 20) int firstChunk,
      @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 300_000) Integer> writes) {
    ByteStringChannels.Output out = new ByteStringChannels.Output(firstChunk);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    int next = 0;
    for (int n : writes) {
      byte[] b = new byte[n];
      for (int i = 0; i < n; i++) {
        b[i] = (byte) (next++ * 31);
      }
      expected.write(b, 0, n);
      assertThat(out.write(ByteBuffer.wrap(b))).isEqualTo(n);
    }
    ByteString got = out.toByteString();
    assertThat(out.size()).isEqualTo(expected.size());
    assertThat(got.toByteArray()).isEqualTo(expected.toByteArray());
  }

  @Property(tries = 20)
  void aLargePayloadOfUnknownSize_isAFewDozenChunks(
      @ForAll @IntRange(min = 16 << 20, max = 80 << 20) int size) {
    ByteStringChannels.Output out = new ByteStringChannels.Output(64 << 10);
    ByteBuffer block = ByteBuffer.allocate(1 << 20);
    for (int left = size; left > 0; ) {
      block.clear().limit(Math.min(left, block.capacity()));
      left -= out.write(block);
    }
    int chunks = out.toByteString().asReadOnlyByteBufferList().size();
    // Chunks double up to 4 MiB, then stay there: about log2(4 MiB / 64 KiB) + size / 4 MiB.
    assertThat(chunks).isLessThanOrEqualTo(16 + size / (4 << 20));
  }
}
